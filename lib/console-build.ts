/**
 * Builds the console (console/: one HTML page, one CSS file, one TypeScript entry) with esbuild:
 * the script bundled and minified for the browser, CSS and script renamed by content hash and
 * named in the page. `npm start` serves the result directly; synth writes it as the
 * `console-assets` module of the console function (lib/bundling.ts aliases the specifier).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import type { ConsoleAssets } from '../lambdas/deployment';
import { PROJECT_ROOT } from './bundling';

const CONSOLE_DIR = join(PROJECT_ROOT, 'console');
const CACHE_DIR = join(PROJECT_ROOT, 'node_modules', '.cache', 'scim-console');

/** The page names its files with these placeholders; the build puts the hashed names in. */
const SCRIPT_PLACEHOLDER = '__CONSOLE_JS__';
const STYLE_PLACEHOLDER = '__CONSOLE_CSS__';

function hashed(stem: string, ext: string, body: string): string {
  return `${stem}.${createHash('sha256').update(body).digest('hex').slice(0, 12)}.${ext}`;
}

export function buildConsoleAssets(): ConsoleAssets {
  const result = buildSync({
    entryPoints: [join(CONSOLE_DIR, 'main.ts')],
    bundle: true,
    minify: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    legalComments: 'none',
    write: false,
    logLevel: 'silent',
  });
  const js = result.outputFiles[0]?.text;
  if (js === undefined) throw new Error('esbuild produced no console script');
  const css = readFileSync(join(CONSOLE_DIR, 'console.css'), 'utf8');
  const jsName = hashed('console', 'js', js);
  const cssName = hashed('console', 'css', css);
  const page = readFileSync(join(CONSOLE_DIR, 'index.html'), 'utf8');
  if (!page.includes(SCRIPT_PLACEHOLDER) || !page.includes(STYLE_PLACEHOLDER)) {
    throw new Error(`console/index.html must name ${SCRIPT_PLACEHOLDER} and ${STYLE_PLACEHOLDER}`);
  }
  return {
    // Relative names: the page is /console (or /<stage>/console), its files /…/console/<name>.
    html: page
      .replace(SCRIPT_PLACEHOLDER, `console/${jsName}`)
      .replace(STYLE_PLACEHOLDER, `console/${cssName}`),
    files: {
      [jsName]: { contentType: 'text/javascript; charset=utf-8', body: js },
      [cssName]: { contentType: 'text/css; charset=utf-8', body: css },
    },
  };
}

/** Writes the built console as a CommonJS module (once per content); returns its absolute path. */
export function writeConsoleAssetsModule(dir: string = CACHE_DIR): string {
  const source = `exports.CONSOLE_ASSETS = ${JSON.stringify(buildConsoleAssets())};\n`;
  const file = join(dir, `${createHash('sha256').update(source).digest('hex').slice(0, 20)}.js`);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, source);
    renameSync(temp, file);
  }
  return file;
}
