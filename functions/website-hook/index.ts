/**
 * Entry for `website-hook` (website queue → signed POST to the site's build hook).
 * `bootWebsiteHook` builds the handler from an environment and a runtime
 * (functions/shared/runtime.ts); `handler` is the Lambda export, built at cold start.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type EnvSource, readEnv } from '../shared/env';
import { createDocumentClient } from '../shared/ledger/client';
import { createLogger } from '../shared/logger';
import { type FunctionRuntime, lambdaEntry, wallClock } from '../shared/runtime';
import { secretsManagerSource, staticSecret } from '../shared/secrets';
import { websiteHookEnvSchema } from './env';
import { createWebsiteHookHandler } from './handler';

export function bootWebsiteHook(source: EnvSource, runtime: FunctionRuntime) {
  const env = readEnv(websiteHookEnvSchema, source);
  const { clients } = runtime;
  return createWebsiteHookHandler({
    ddb: createDocumentClient(clients.create(DynamoDBClient, {})),
    fetch: runtime.fetch ?? globalThis.fetch,
    logger: runtime.logger ?? createLogger(),
    clock: runtime.clock ?? wallClock,
    webhookSecret: env.WEBHOOK_SECRET_ARN
      ? secretsManagerSource(clients.create(SecretsManagerClient, {}), env.WEBHOOK_SECRET_ARN)
      : staticSecret(''),
    settings: {
      tableName: env.LEDGER_TABLE,
      ...(env.WEBSITE_HOOK_URL ? { hookUrl: env.WEBSITE_HOOK_URL } : {}),
    },
  });
}

export const handler = lambdaEntry(bootWebsiteHook);
