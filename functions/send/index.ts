/**
 * Entry for `send`: `bootSend` builds the handler from an environment and a runtime
 * (functions/shared/runtime.ts); `handler` is the Lambda export, built at cold start.
 * Uses `zod/mini` (../shared/zod-mini), like everything in this bundle: cold start matters here.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESClient } from '@aws-sdk/client-ses';
import { type EnvSource, readEnv } from '../shared/env';
import { createDocumentClient } from '../shared/ledger/client';
import { createLogger } from '../shared/logger';
import { lazyPublisher } from '../shared/ports';
import { type FunctionRuntime, lambdaEntry, wallClock } from '../shared/runtime';
import { secretsManagerSource } from '../shared/secrets';
import { sendEnvSchema } from './env';
import { createSendHandler } from './handler';

export function bootSend(source: EnvSource, runtime: FunctionRuntime) {
  const env = readEnv(sendEnvSchema, source);
  const { clients } = runtime;
  return createSendHandler({
    s3: clients.create(S3Client, {}),
    // Our handler retries Throttling with backoff paced to the SES rate; SDK retries on top would multiply attempts.
    ses: clients.create(SESClient, { maxAttempts: 1 }),
    ddb: createDocumentClient(clients.create(DynamoDBClient, {})),
    logger: runtime.logger ?? createLogger(),
    clock: runtime.clock ?? wallClock,
    sleep: runtime.sleep ?? ((ms: number) => delay(ms)),
    // Used once per revision (the delivery report): the SNS client is loaded and made on
    // first use, not at cold start (esbuild keeps a dynamic import's module unevaluated).
    publisher: lazyPublisher(async () => {
      const [{ SNSClient }, { createSnsPublisher }] = await Promise.all([
        import('@aws-sdk/client-sns'),
        import('../shared/sns-publisher'),
      ]);
      return createSnsPublisher(clients.create(SNSClient, {}), { ops: env.OPS_TOPIC_ARN });
    }),
    unsubscribeSecret: secretsManagerSource(
      clients.create(SecretsManagerClient, {}),
      env.UNSUBSCRIBE_SECRET_ARN,
    ),
    settings: {
      bucket: env.BUCKET_NAME,
      tableName: env.LEDGER_TABLE,
      from: env.SENDER_FROM,
      ...(env.SES_CONFIGURATION_SET ? { configurationSet: env.SES_CONFIGURATION_SET } : {}),
      unsubscribeBaseUrl: env.UNSUBSCRIBE_BASE_URL,
      ratePerSecond: env.SEND_RATE_PER_SECOND,
      ...(env.SEND_MAX_CONCURRENCY ? { maxConcurrency: env.SEND_MAX_CONCURRENCY } : {}),
    },
  });
}

export const handler = lambdaEntry(bootSend);
