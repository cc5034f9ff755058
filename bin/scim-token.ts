/**
 * `npx scim-token …` / `npm run token -- …`: manages the SCIM bearer tokens. The work happens in
 * cli/main.ts; this file only connects it to the process.
 */
import '../local/log-defaults';
import { exitWith } from '../cli/exit-code';
import { runCli } from '../cli/main';

exitWith(
  runCli(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    cwd: process.cwd(),
  }),
  'scim-token',
);
