/**
 * Lambda entry for `send`: builds the clients once per container and exports `handler`.
 * Uses `zod/mini` (../shared/zod-mini), like everything in this bundle: cold start matters here.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESClient } from '@aws-sdk/client-ses';
import * as z from 'zod/mini';
import { readEnv } from '../shared/env';
import { createDocumentClient } from '../shared/ledger/client';
import { createLogger } from '../shared/logger';
import { secretsManagerSource } from '../shared/secrets';
import '../shared/zod-mini';
import { createSendHandler } from './handler';

const env = readEnv(
  z.object({
    LEDGER_TABLE: z.string().check(z.minLength(1)),
    BUCKET_NAME: z.string().check(z.minLength(1)),
    SENDER_FROM: z.string().check(z.minLength(3)),
    SES_CONFIGURATION_SET: z.optional(z.string()),
    UNSUBSCRIBE_BASE_URL: z.url({ protocol: /^https$/ }),
    UNSUBSCRIBE_SECRET_ARN: z.string().check(z.minLength(1)),
    SEND_RATE_PER_SECOND: z._default(z.coerce.number().check(z.positive()), 1),
    SEND_MAX_CONCURRENCY: z.optional(z.coerce.number().check(z.int(), z.positive())),
  }),
);

export const handler = createSendHandler({
  s3: new S3Client({}),
  // Our handler retries Throttling with backoff paced to the SES rate; SDK retries on top would multiply attempts.
  ses: new SESClient({ maxAttempts: 1 }),
  ddb: createDocumentClient(new DynamoDBClient({})),
  logger: createLogger({ serviceName: 'herald-send' }),
  clock: () => new Date(),
  sleep: (ms: number) => delay(ms),
  unsubscribeSecret: secretsManagerSource(new SecretsManagerClient({}), env.UNSUBSCRIBE_SECRET_ARN),
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
