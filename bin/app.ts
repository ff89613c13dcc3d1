#!/usr/bin/env node
/**
 * The CDK app entry (cdk.json: `npx tsx bin/app.ts`). `-c config=<file>` selects
 * the config; a bad config stops here with the loader's readable message.
 */
import { ConfigError } from '../core/errors';
import { createHeraldApp } from '../lib/app';

try {
  createHeraldApp();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  // Exit now: the App would otherwise synthesize an empty assembly on exit.
  process.exit(1);
}
