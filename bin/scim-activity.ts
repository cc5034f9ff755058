/**
 * `npx scim-activity` / `npm run activity --`: provisioning activity, newest first.
 * See cli/activity.ts for the options.
 */
import '../local/log-defaults';
import { runActivityCli } from '../cli/activity';
import { exitWith } from '../cli/exit-code';

exitWith(
  runActivityCli(process.argv.slice(2), {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  }),
  'scim-activity',
);
