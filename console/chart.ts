/** The per-hour activity chart: SVG built with DOM calls (no chart library, no inline style). */
import { svg } from './dom';

export interface HourBucket {
  readonly hour: string;
  readonly answered: number;
  readonly rejected: number;
}

const WIDTH = 720;
const HEIGHT = 200;
const PAD = { left: 36, right: 8, top: 10, bottom: 24 };

export function activityChart(hours: readonly HourBucket[]): SVGElement {
  const answered = hours.reduce((n, h) => n + h.answered, 0);
  const rejected = hours.reduce((n, h) => n + h.rejected, 0);
  const chart = svg('svg', {
    class: 'chart',
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    role: 'img',
    'aria-label': `Requests per hour over the last ${hours.length} hours: ${answered} answered, ${rejected} rejected`,
  });
  const max = Math.max(1, ...hours.map((h) => Math.max(h.answered, h.rejected)));
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const slot = plotW / Math.max(1, hours.length);
  const bar = Math.max(1, slot / 2 - 1);
  const y = (n: number) => PAD.top + plotH - (n / max) * plotH;
  chart.appendChild(svg('line', { class: 'axis', x1: PAD.left, y1: PAD.top + plotH, x2: WIDTH - PAD.right, y2: PAD.top + plotH }));
  chart.appendChild(svg('line', { class: 'axis', x1: PAD.left, y1: PAD.top, x2: PAD.left, y2: PAD.top + plotH }));
  chart.appendChild(svg('text', { x: 2, y: PAD.top + 8 }, String(max)));
  chart.appendChild(svg('text', { x: 2, y: PAD.top + plotH }, '0'));
  hours.forEach((h, i) => {
    const x = PAD.left + i * slot;
    const label = `${h.hour.slice(11, 16)} UTC: ${h.answered} answered, ${h.rejected} rejected`;
    for (const [kind, value, dx] of [
      ['answered', h.answered, 0],
      ['rejected', h.rejected, bar],
    ] as const) {
      if (value === 0) continue;
      chart.appendChild(
        svg('rect', { class: kind, x: x + dx, y: y(value), width: bar, height: PAD.top + plotH - y(value) }, svg('title', {}, label)),
      );
    }
    if (i % 3 === 0) chart.appendChild(svg('text', { x, y: HEIGHT - 8 }, h.hour.slice(11, 16)));
  });
  return chart;
}
