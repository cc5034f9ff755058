/**
 * `npx scim-token …` / `npm run token -- …`: manages the SCIM bearer tokens. The work happens in
 * cli/main.ts; this file only connects it to the process.
 */
import '../local/log-defaults';
import { runCli } from '../cli/main';

runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  cwd: process.cwd(),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `scim-token: unexpected failure: ${error instanceof Error ? error.stack : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
