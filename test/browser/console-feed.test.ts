/**
 * The console views that read /Activity, /Activity/Summary and /Events (the activity endpoints
 * and the change feed): the overview chart, a rejected request with its SCIM detail, a change
 * made through SCIM appearing in Live while the page is open, a user's activity and feed
 * events, and the notice for a write token (X-Token-Scope). axe and keyboard on each view.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { localFeedWriter } from '../../local/feed-writer';
import type { StreamFollower } from '../../local/stream-events';
import { followTestStream } from '../support/stream-follower';
import {
  type ConsoleServer,
  launchBrowser,
  openView,
  seriousViolations,
  signIn,
  startConsoleServer,
  textOf,
  unreachableByKeyboard,
} from './support/console-harness';

let env: ConsoleServer;
let browser: Browser;
let page: Page;
let shots: string;
let adaId: string;
let follower: StreamFollower;
const startedAt = Date.now();

const user = (userName: string) => ({
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
  userName,
  emails: [{ value: userName, type: 'work', primary: true }],
  active: true,
});

beforeAll(async () => {
  const [server, launched] = await Promise.all([startConsoleServer(), launchBrowser()]);
  env = server;
  browser = launched.browser;
  // The local stream consumer, as `npm start` runs it: it is what writes the change feed.
  const { endpoint, tableName } = env.client.table;
  follower = await followTestStream(env.client.table, {
    sink: localFeedWriter(endpoint, tableName),
    pollMs: 200,
  });
  const ada = await env.client.request('POST', '/Users', { body: user('ada@example.com') });
  expect(ada.status).toBe(201);
  adaId = ada.body.id;
  const patched = await env.client.request('PATCH', `/Users/${adaId}`, {
    body: {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', path: 'displayName', value: 'Ada Lovelace' }],
    },
  });
  expect(patched.status).toBeLessThan(300);
  // A rejected request: the same userName again is a 409 uniqueness.
  const duplicate = await env.client.request('POST', '/Users', { body: user('ada@example.com') });
  expect(duplicate.status).toBe(409);
  shots = mkdtempSync(join(tmpdir(), 'scim-console-feed-shots-'));
  page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  await signIn(page, env.origin, env.client.tokenFor('acme'));
}, 120_000);

afterAll(async () => {
  await follower?.stop();
  await browser?.close();
  await env?.close();
  process.stdout.write(
    `screenshots: ${shots}\nconsole-feed.test.ts wall time: ${Date.now() - startedAt} ms\n`,
  );
});

async function checkView(view: string): Promise<void> {
  expect(await seriousViolations(page)).toEqual([]);
  expect(await unreachableByKeyboard(page)).toEqual([]);
  await page.screenshot({ path: join(shots, `${view}.png`) as `${string}.png`, fullPage: true });
}

describe('console views over the activity endpoints and the change feed', () => {
  it('a write token is accepted, and the page says it should be a read token', async () => {
    expect(await page.$eval('#notice', (n) => (n as HTMLElement).hidden)).toBe(false);
    expect(await textOf(page, '#notice')).toContain('sign in with a read token');
    expect(await textOf(page, '#who')).toBe('Signed in with a write token');
  });

  it('overview: answered and rejected in 24 h, the last change, a bar per hour in SVG', async () => {
    await openView(page, '#/overview');
    expect(Number(await textOf(page, '#count-answered'))).toBeGreaterThanOrEqual(2);
    expect(Number(await textOf(page, '#count-rejected'))).toBeGreaterThanOrEqual(1);
    expect(await textOf(page, '#last-change')).not.toBe('unknown');
    expect(await page.$$eval('svg.chart rect.answered', (r) => r.length)).toBeGreaterThanOrEqual(1);
    expect(await page.$$eval('svg.chart rect.rejected', (r) => r.length)).toBeGreaterThanOrEqual(1);
    await checkView('overview');
  });

  it('activity: the rejected request under 4xx, with its SCIM error detail', async () => {
    await openView(page, '#/activity');
    await checkView('activity');
    await page.select('#activity-status', '4xx');
    await page.waitForFunction(() =>
      [...document.querySelectorAll('#activity-results tbody tr')].every((r) =>
        r.querySelector('td:nth-child(4)')?.textContent?.startsWith('4'),
      ),
    );
    const rows = await page.$$eval('#activity-results tbody tr', (trs) =>
      trs.map((r) => [...r.querySelectorAll('td')].map((c) => c.textContent ?? '')),
    );
    expect(rows.length).toBeGreaterThanOrEqual(1);
    expect(rows[0]?.[3]).toBe('409');
    expect(rows[0]?.[5]).toMatch(/^uniqueness: /);
  });

  it("user detail: the user's provisioning requests and feed events", async () => {
    await follower.drain();
    await openView(page, `#/users/${adaId}`);
    await page.waitForFunction(() => document.querySelector('#ua-h')?.parentElement?.querySelector('table'), {
      timeout: 10_000,
    });
    const activity = await page.$$eval('#ua-h + table tbody tr td:nth-child(2)', (c) =>
      c.map((x) => x.textContent),
    );
    expect(activity.some((t) => t?.startsWith('PATCH'))).toBe(true);
    await page.waitForFunction(() => document.querySelectorAll('#uf-h ~ ul li').length >= 1, {
      timeout: 20_000,
    });
    await checkView('user-feed');
  });

  it('live: a user created through SCIM while the page is open appears in the feed', async () => {
    await openView(page, '#/live');
    await page.waitForFunction(() =>
      document.querySelector('#live-state')?.textContent?.startsWith('Listening'),
    );
    const created = await env.client.request('POST', '/Users', { body: user('grace@example.com') });
    expect(created.status).toBe(201);
    await page.waitForFunction(
      (id) => [...document.querySelectorAll('#live-events li')].some((li) => li.textContent?.includes(id)),
      { timeout: 20_000 },
      created.body.id as string,
    );
    await checkView('live');
    await page.click('#live-toggle');
    expect(await textOf(page, '#live-state')).toBe('Paused');
  });
});
