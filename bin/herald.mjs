#!/usr/bin/env node
// The `herald` command. The CLI is TypeScript run through tsx, so `npx herald`
// works straight after `npm ci` with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/index.ts');
process.exitCode = await main(process.argv);
