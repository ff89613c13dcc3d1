/**
 * Entry for `release`, invoked by the EventBridge Scheduler one-time schedule at the
 * embargo lift with a ReleaseRequest as the event. `bootRelease` builds the handler from
 * an environment and a runtime (functions/shared/runtime.ts); `handler` is the Lambda
 * export, built at cold start.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { createSnsPublisher } from '../shared/aws-ports';
import { type EnvSource, readEnv } from '../shared/env';
import type { InvocationContext } from '../shared/invocation';
import { createDocumentClient } from '../shared/ledger/client';
import { createLogger } from '../shared/logger';
import { type FunctionRuntime, lambdaEntry, wallClock } from '../shared/runtime';
import { releaseEnvSchema } from './env';
import { createReleaseHandler, type ReleaseOutcome, type SweepOutcome } from './handler';

export function bootRelease(
  source: EnvSource,
  runtime: FunctionRuntime,
): (event: unknown, context?: InvocationContext) => Promise<ReleaseOutcome | SweepOutcome> {
  const env = readEnv(releaseEnvSchema, source);
  const { clients } = runtime;
  const release = createReleaseHandler({
    s3: clients.create(S3Client, {}),
    ddb: createDocumentClient(clients.create(DynamoDBClient, {})),
    publisher: createSnsPublisher(clients.create(SNSClient, {}), {
      partners: env.PARTNERS_TOPIC_ARN,
      website: env.WEBSITE_TOPIC_ARN,
      ops: env.OPS_TOPIC_ARN,
    }),
    logger: runtime.logger ?? createLogger(),
    clock: runtime.clock ?? wallClock,
    ...(runtime.sleep ? { sleep: runtime.sleep } : {}),
    settings: { bucket: env.BUCKET_NAME, tableName: env.LEDGER_TABLE },
  });
  return release;
}

export const handler = lambdaEntry(bootRelease);
