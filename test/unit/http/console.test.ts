/**
 * The console's files as the function serves them: built from console/ by the same esbuild step
 * synth and `npm start` use, with the strict headers on every answer, the script within budget.
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { CONSOLE_CSP, consoleResponse } from '../../../lambdas/http/console';
import type { ConsoleAssets } from '../../../lambdas/http/console-assets';
import { buildConsoleAssets } from '../../../lib/console-build';

let assets: ConsoleAssets;
beforeAll(() => {
  assets = buildConsoleAssets();
});

function event(method: string, path: string, asset?: string): APIGatewayProxyEvent {
  return {
    httpMethod: method,
    path,
    pathParameters: asset === undefined ? null : { asset },
  } as unknown as APIGatewayProxyEvent;
}

const names = () => Object.keys(assets.files);
const scriptName = () => names().find((n) => n.endsWith('.js')) as string;
const styleName = () => names().find((n) => n.endsWith('.css')) as string;

describe('console files', () => {
  it('one script of at most 100 KB and one style sheet, content-hashed and named by the page with relative URLs', () => {
    expect(names()).toHaveLength(2);
    expect(scriptName()).toMatch(/^console\.[0-9a-f]{12}\.js$/);
    expect(styleName()).toMatch(/^console\.[0-9a-f]{12}\.css$/);
    const script = assets.files[scriptName()]?.body ?? '';
    expect(Buffer.byteLength(script)).toBeLessThanOrEqual(100 * 1024);
    expect(assets.html).toContain(`<script defer src="console/${scriptName()}"></script>`);
    expect(assets.html).toContain(`href="console/${styleName()}"`);
    // No inline script or style for the CSP to forbid.
    expect(assets.html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>|<style|\sstyle=|\son[a-z]+=/i);
    // The script never parses markup from data.
    expect(script).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
  });

  it('GET /console: the page with CSP, nosniff, no-referrer, no framing, revalidated on each load', () => {
    const res = consoleResponse(assets, event('GET', '/console'));
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe(assets.html);
    expect(res.headers).toMatchObject({
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-cache',
      'Content-Security-Policy': CONSOLE_CSP,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'X-Frame-Options': 'DENY',
      'Strict-Transport-Security': 'max-age=31536000',
    });
    expect(CONSOLE_CSP).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    );
  });

  it('GET /console/<hashed file>: its type, cached for a year as immutable, same security headers', () => {
    const js = consoleResponse(assets, event('GET', `/console/${scriptName()}`, scriptName()));
    expect(js.statusCode).toBe(200);
    expect(js.headers).toMatchObject({
      'Content-Type': 'text/javascript; charset=utf-8',
      'Cache-Control': 'public, max-age=31536000, immutable',
      'Content-Security-Policy': CONSOLE_CSP,
      'X-Content-Type-Options': 'nosniff',
    });
    const css = consoleResponse(assets, event('GET', `/console/${styleName()}`, styleName()));
    expect(css.headers?.['Content-Type']).toBe('text/css; charset=utf-8');
    const head = consoleResponse(assets, event('HEAD', `/console/${scriptName()}`, scriptName()));
    expect(head.statusCode).toBe(200);
    expect(head.body).toBe('');
  });

  it('an unknown file is a 404 SCIM error (prototype names included); other methods 405 with Allow', () => {
    for (const asset of ['nope.js', 'constructor', '__proto__', 'toString']) {
      const res = consoleResponse(assets, event('GET', `/console/${asset}`, asset));
      expect(res.statusCode).toBe(404);
      expect(JSON.parse(res.body).status).toBe('404');
      expect(res.headers?.['Content-Security-Policy']).toBe(CONSOLE_CSP);
    }
    const post = consoleResponse(assets, event('POST', '/console'));
    expect(post.statusCode).toBe(405);
    expect(post.headers?.Allow).toBe('GET, HEAD');
  });

  it('/console/ redirects to /console, so the relative file names resolve', () => {
    const res = consoleResponse(assets, event('GET', '/console/'));
    expect(res.statusCode).toBe(308);
    expect(res.headers?.Location).toBe('../console');
  });
});
