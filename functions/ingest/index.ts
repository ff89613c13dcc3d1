/**
 * Entry for `ingest` (S3 ObjectCreated on incoming/*.json): `bootIngest` builds the
 * handler from an environment and a runtime (functions/shared/runtime.ts); `handler` is
 * the Lambda export, built at cold start. The work is in handler.ts.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SNSClient } from '@aws-sdk/client-sns';
import { createEventBridgeScheduler, createSnsPublisher } from '../shared/aws-ports';
import { type EnvSource, readEnv } from '../shared/env';
import { createDocumentClient } from '../shared/ledger/client';
import { createLogger } from '../shared/logger';
import { type FunctionRuntime, lambdaEntry } from '../shared/runtime';
import { ingestEnvSchema } from './env';
import { createIngestHandler } from './handler';

export function bootIngest(source: EnvSource, runtime: FunctionRuntime) {
  const env = readEnv(ingestEnvSchema, source);
  const { clients } = runtime;
  return createIngestHandler({
    s3: clients.create(S3Client, {}),
    ddb: createDocumentClient(clients.create(DynamoDBClient, {})),
    publisher: createSnsPublisher(clients.create(SNSClient, {}), {
      press: env.PRESS_TOPIC_ARN,
      partners: env.PARTNERS_TOPIC_ARN,
      website: env.WEBSITE_TOPIC_ARN,
      ops: env.OPS_TOPIC_ARN,
    }),
    scheduler: createEventBridgeScheduler(clients.create(SchedulerClient, {}), {
      groupName: env.SCHEDULE_GROUP,
      targetArn: env.RELEASE_FUNCTION_ARN,
      roleArn: env.SCHEDULER_ROLE_ARN,
      deadLetterArn: env.SCHEDULER_DLQ_ARN,
    }),
    logger: runtime.logger ?? createLogger(),
    clock: runtime.clock ?? (() => new Date()),
    ...(runtime.sleep ? { sleep: runtime.sleep } : {}),
    settings: {
      bucket: env.BUCKET_NAME,
      tableName: env.LEDGER_TABLE,
      defaultTimezone: env.DEFAULT_TIMEZONE,
      senderDisplayName: env.SENDER_DISPLAY_NAME,
    },
  });
}

export const handler = lambdaEntry(bootIngest);
