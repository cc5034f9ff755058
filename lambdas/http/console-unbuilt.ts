/**
 * What `console-assets` resolves to when no build supplied it (type checking, and source runs
 * that import the deployed entry): a page that says so. Deployed bundles alias the specifier to
 * the module lib/console-build.ts writes; the local server builds its own.
 */
import type { ConsoleAssets } from './console-assets';

export const CONSOLE_ASSETS: ConsoleAssets = {
  html: '<!doctype html><html lang="en"><title>SCIM console</title><p>This bundle was built without the console files.</p></html>',
  files: {},
};
