/**
 * The console function as synth bundles it: esbuild with the options and aliases the stack hands
 * NodejsFunction, `console-assets` resolved to the module synth writes, then the bundle loaded and
 * invoked. It must serve the page and both files it names (the built ones, not the placeholder).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { build } from 'esbuild';
import { esbuildBuildOptions, handlerEntry } from '../../lib/bundling';
import { writeConsoleAssetsModule } from '../../lib/console-build';

type Handler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

const outDir = mkdtempSync(join(tmpdir(), 'scim-console-bundle-'));
let handler: Handler;
let size: number;

beforeAll(async () => {
  const file = join(outDir, 'index.js');
  await build(esbuildBuildOptions(handlerEntry('console'), file, undefined, writeConsoleAssetsModule()));
  size = statSync(file).size;
  handler = (createRequire(__filename)(file) as { handler: Handler }).handler;
});
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

const get = (path: string, asset?: string) =>
  handler({
    httpMethod: 'GET',
    path,
    pathParameters: asset === undefined ? null : { asset },
  } as unknown as APIGatewayProxyEvent);

it('the console bundle serves the built page and the script and style sheet it names, with the CSP', async () => {
  process.stdout.write(`console bundle: ${size} bytes\n`);
  expect(size).toBeLessThan(200 * 1024);
  const page = await get('/console');
  expect(page.statusCode).toBe(200);
  expect(page.headers?.['Content-Security-Policy']).toContain("default-src 'none'");
  const names = [...page.body.matchAll(/"console\/(console\.[0-9a-f]{12}\.(?:js|css))"/g)].map(
    (m) => m[1] as string,
  );
  expect(names).toHaveLength(2);
  for (const name of names) {
    const res = await get(`/console/${name}`, name);
    expect(res.statusCode).toBe(200);
    expect(res.body.length).toBeGreaterThan(1000);
  }
  expect(page.body).not.toContain('built without the console files');
});
