/**
 * The console function: serves the console's page, CSS and script (lambdas/http/console.ts).
 * The files are built at synth and bundled in as the `console-assets` module; the local server
 * builds them at start and hands them to createConsoleHandler itself.
 */
import { CONSOLE_ASSETS } from 'console-assets';
import { consoleResponse } from '../http/console';
import type { ConsoleAssets } from '../http/console-assets';
import type { LambdaHandler } from '../http/handler';

export const createConsoleHandler =
  (assets: () => ConsoleAssets): LambdaHandler =>
  async (event) =>
    consoleResponse(assets(), event);

export const handler = createConsoleHandler(() => CONSOLE_ASSETS);
