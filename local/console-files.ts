/**
 * The console as the local server serves it: built from console/ with esbuild on first use (or
 * at `npm start`, which builds it before listening), then kept for the life of the process.
 */
import { createConsoleHandler } from '../lambdas/handlers/console';
import type { ConsoleAssets } from '../lambdas/http/console-assets';
import { buildConsoleAssets } from '../lib/console-build';

let built: ConsoleAssets | undefined;

export function localConsoleAssets(): ConsoleAssets {
  built ??= buildConsoleAssets();
  return built;
}

export const localConsoleHandler = createConsoleHandler(localConsoleAssets);
