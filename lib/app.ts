/**
 * Builds the Herald CDK app: loads the config, adds the stack and registers the
 * cdk-nag AwsSolutions checks. Shared by bin/app.ts and the CDK tests so both
 * exercise the same wiring.
 */
import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { HeraldConfig } from '../core/config/schema';
import { loadAppConfig } from './config';
import { HeraldStack } from './herald-stack';

/** The stack's construct id (and CloudFormation stack name). */
export const STACK_ID = 'Herald';

export interface HeraldAppOptions {
  /**
   * App props such as context (tests pass `aws:cdk:bundling-stacks`).
   * @default - none: context comes from cdk.json and the CLI
   */
  readonly appProps?: AppProps;
  /**
   * A config to use instead of loading the file named by `-c config=`.
   * @default - loaded from the `config` context value or ./herald.config.json
   */
  readonly config?: HeraldConfig;
  /**
   * Register the cdk-nag AwsSolutions pack (synth fails on unacknowledged errors).
   * @default true
   */
  readonly nag?: boolean;
}

export function createHeraldApp(options: HeraldAppOptions = {}): { app: App; stack: HeraldStack } {
  const app = new App(options.appProps);
  const config = options.config ?? loadAppConfig(app.node);
  const stack = new HeraldStack(app, STACK_ID, {
    config,
    description: 'Herald: statements to the press, partner agencies and the website',
  });
  // cdk-nag v3 is a policy-validation plugin (not an Aspect): it runs after synthesis.
  if (options.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}
