/**
 * Entry for `unsubscribe` (a Function URL: GET confirm page, POST one-click).
 * `bootUnsubscribe` builds the handler from an environment and a runtime
 * (functions/shared/runtime.ts); `handler` is the Lambda export, built at cold start.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type EnvSource, readEnv } from '../shared/env';
import { createDocumentClient } from '../shared/ledger/client';
import { createLogger } from '../shared/logger';
import { type FunctionRuntime, lambdaEntry, wallClock } from '../shared/runtime';
import { secretsManagerSource } from '../shared/secrets';
import { unsubscribeEnvSchema } from './env';
import { createUnsubscribeHandler } from './handler';

export function bootUnsubscribe(source: EnvSource, runtime: FunctionRuntime) {
  const env = readEnv(unsubscribeEnvSchema, source);
  const { clients } = runtime;
  return createUnsubscribeHandler({
    ddb: createDocumentClient(clients.create(DynamoDBClient, {})),
    logger: runtime.logger ?? createLogger(),
    clock: runtime.clock ?? wallClock,
    unsubscribeSecret: secretsManagerSource(
      clients.create(SecretsManagerClient, {}),
      env.UNSUBSCRIBE_SECRET_ARN,
    ),
    settings: { tableName: env.LEDGER_TABLE },
  });
}

export const handler = lambdaEntry(bootUnsubscribe);
