/**
 * Builds the Herald app for tests the way `cdk synth` does: the feature flags
 * from cdk.json (an App built in-process does not read cdk.json), a test config,
 * and bundling skipped unless a test asks for it: Template.fromStack would otherwise run esbuild for every function.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { parseConfig } from '../../core/config/load';
import type { HeraldConfig, HeraldConfigInput } from '../../core/config/schema';
import { createHeraldApp } from '../../lib/app';
import type { HeraldStack } from '../../lib/herald-stack';

const cdkJson = JSON.parse(
  readFileSync(fileURLToPath(new URL('../../cdk.json', import.meta.url)), 'utf8'),
) as { context: Record<string, unknown> };

/** The feature flags and settings `cdk synth` would apply. */
export const CDK_JSON_CONTEXT: Readonly<Record<string, unknown>> = cdkJson.context;

/** A config with one partner subscription of each protocol the stack must handle. */
export const TEST_CONFIG_INPUT = {
  sender: { from: 'Press Office <press@example.org>', sesIdentity: 'example.org' },
  opsEmails: ['ops@example.org', 'duty@example.org'],
  timezone: 'Europe/London',
  press: { sendRatePerSecond: 14, listKey: 'lists/press.csv' },
  partners: {
    subscriptions: [
      {
        name: 'police',
        protocol: 'https',
        endpoint: 'https://partners.example.net/herald',
        filterPolicy: { type: ['statement.released'] },
      },
      {
        name: 'health-trust',
        protocol: 'sqs',
        endpoint: 'arn:aws:sqs:eu-west-2:111122223333:herald-health-trust',
        filterPolicy: {
          topics: ['safeguarding'],
          embargoed: ['false'],
          type: [{ prefix: 'statement.' }],
        },
        rawMessageDelivery: true,
      },
      { name: 'archive', protocol: 'email', endpoint: 'archive@example.com' },
    ],
  },
  website: { hookUrl: 'https://example.org/hooks/rebuild' },
} satisfies HeraldConfigInput;

/** Validates a config input with the real parser (so tests use what the app would). */
export function testConfig(input: HeraldConfigInput = TEST_CONFIG_INPUT): HeraldConfig {
  const result = parseConfig(JSON.stringify(input));
  if (!result.ok) throw new Error(`test config is invalid: ${JSON.stringify(result.errors)}`);
  return result.config;
}

export interface BuildOptions {
  /** Bundle the functions with esbuild (slow). @default false */
  readonly bundle?: boolean;
  /** @default TEST_CONFIG_INPUT */
  readonly config?: HeraldConfigInput;
  /** Register cdk-nag (synth then fails on unacknowledged errors). @default false */
  readonly nag?: boolean;
  /** Where to write the cloud assembly. @default - a temporary directory */
  readonly outdir?: string;
  /** Extra context on top of cdk.json's. @default - none */
  readonly context?: Readonly<Record<string, unknown>>;
}

export function buildStack(options: BuildOptions = {}): { app: App; stack: HeraldStack } {
  return createHeraldApp({
    config: testConfig(options.config),
    nag: options.nag ?? false,
    appProps: {
      ...(options.outdir === undefined ? {} : { outdir: options.outdir }),
      context: {
        ...CDK_JSON_CONTEXT,
        ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
        ...options.context,
      },
    },
  });
}

/** Synthesizes once per options object; most suites share one template. */
export function synthTemplate(options: BuildOptions = {}): {
  stack: HeraldStack;
  template: Template;
} {
  const { stack } = buildStack(options);
  return { stack, template: Template.fromStack(stack) };
}
