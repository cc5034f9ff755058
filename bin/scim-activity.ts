/**
 * `npx scim-activity` / `npm run activity --`: provisioning activity, newest first.
 * See cli/activity.ts for the options.
 */
import { runActivityCli } from '../cli/activity';

runActivityCli(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
