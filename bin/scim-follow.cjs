#!/usr/bin/env node
// Launcher for `npx scim-follow`: runs the TypeScript entry point through tsx.
require('tsx/cjs');
require('./scim-follow.ts');
