/**
 * `npx scim-follow` / `npm run follow --`: follows the change feed. See cli/follow.ts.
 * Ctrl-C (SIGINT) or SIGTERM stops it cleanly: the in-flight request is dropped, the cursor
 * file keeps the last page that was printed, and the exit code is 0.
 */

import '../local/log-defaults';
import { exitWith } from '../cli/exit-code';
import { runFollowCli } from '../cli/follow';

const stop = new AbortController();
process.once('SIGINT', () => stop.abort());
process.once('SIGTERM', () => stop.abort());

exitWith(
  runFollowCli(process.argv.slice(2), {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    signal: stop.signal,
  }),
  'scim-follow',
);
