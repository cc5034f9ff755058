#!/usr/bin/env node
// Launcher behind `npx scim-token` (package.json "bin"): registers tsx's TypeScript loader
// (a devDependency, like the rest of the tooling) and runs the TypeScript entry point, so the
// CLI runs from source without a build step.
'use strict';
const path = require('node:path');
require('tsx/cjs/api').register();
require(path.join(__dirname, 'scim-token.ts'));
