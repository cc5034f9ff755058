#!/usr/bin/env node
// Launcher for `npx scim-activity`: runs the TypeScript entry point through tsx.
require('tsx/cjs');
require('./scim-activity.ts');
