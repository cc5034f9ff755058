/**
 * Fails when the docs or a source comment name a repository path that does not exist, or cite a
 * document from outside the repository. Part of `npm run lint`, so docs cannot drift from the
 * tree: every `lambdas/…`, `lib/…`, `docs/…` (and the other top-level folders) named in
 * README.md, docs/ and source files must be a file or folder here. It also keeps README.md
 * within 150 lines: the two commands on top, the long sections linked from docs/.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(__dirname, '..');
const TOP = ['lambdas', 'lib', 'local', 'bin', 'cli', 'test', 'bench', 'docs', 'scripts'];
const PATH_PATTERN = new RegExp(`(?<![\\w./-])((?:${TOP.join('|')})/[\\w./{}*-]*[\\w*}])`, 'g');
const OUTSIDE = /(?:\.\.\/shared\/|\bDESIGN\.md\b|\bperf-security\.md\b|\bidp-clients\.md\b|\bpeers\.md\b)/;
const SKIP_DIRS = new Set(['node_modules', 'cdk.out', '.scim-local', '.build', '.git', 'results']);

function filesUnder(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (SKIP_DIRS.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) filesUnder(path, out);
    else if (/\.(ts|md|cjs|js)$/.test(name)) out.push(path);
  }
  return out;
}

/** A named path exists, or is a pattern (`*`, `{id}`) or a generated folder. */
function exists(named: string): boolean {
  if (/[*{]/.test(named)) return true;
  const clean = named.replace(/[.:]+$/, '');
  return existsSync(join(root, clean));
}

const README_MAX_LINES = 150;
const problems: string[] = [];
const readmeLines = readFileSync(join(root, 'README.md'), 'utf8').trimEnd().split('\n').length;
if (readmeLines > README_MAX_LINES) {
  problems.push(`README.md: ${readmeLines} lines, more than ${README_MAX_LINES}; move detail to docs/`);
}
const files = [join(root, 'README.md'), ...TOP.filter((d) => existsSync(join(root, d))).flatMap((d) => filesUnder(join(root, d)))];
for (const file of files) {
  const rel = relative(root, file);
  const lines = readFileSync(file, 'utf8').split('\n');
  lines.forEach((line, i) => {
    // In code only comments count; imports and string literals are checked by the compiler.
    const text = rel.endsWith('.md') ? line : (/^\s*(\*|\/\/|\/\*)/.exec(line) ? line : '');
    if (OUTSIDE.test(text)) problems.push(`${rel}:${i + 1}: cites a document outside the repository`);
    for (const match of text.matchAll(PATH_PATTERN)) {
      const named = match[1] as string;
      if (!exists(named)) problems.push(`${rel}:${i + 1}: names ${named}, which does not exist`);
    }
  });
}
if (problems.length > 0) {
  console.error(problems.join('\n'));
  console.error(`${problems.length} problem(s) in the docs and comments`);
  process.exit(1);
}
