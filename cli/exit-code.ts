/**
 * How a command-line entry point (bin/) ends: the exit code its run resolves to, or, when the run
 * fails unexpectedly (a bug, not a usage or AWS error, which the CLIs report themselves), the
 * stack on stderr and exit code 1.
 */
export function exitWith(run: Promise<number>, command: string): void {
  run.then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(
        `${command}: unexpected failure: ${error instanceof Error ? error.stack : String(error)}\n`,
      );
      process.exitCode = 1;
    },
  );
}
