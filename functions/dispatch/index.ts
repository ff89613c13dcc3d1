/**
 * Entry for `dispatch`: `bootDispatch` builds the handler from an environment and a
 * runtime (functions/shared/runtime.ts); `handler` is the Lambda export, built at cold start.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createSnsPublisher, createSqsQueueSender } from '../shared/aws-ports';
import { type EnvSource, readEnv } from '../shared/env';
import { createDocumentClient } from '../shared/ledger/client';
import { createLogger } from '../shared/logger';
import { type FunctionRuntime, lambdaEntry, wallClock } from '../shared/runtime';
import { dispatchEnvSchema } from './env';
import { createDispatchHandler } from './handler';

export function bootDispatch(source: EnvSource, runtime: FunctionRuntime) {
  const env = readEnv(dispatchEnvSchema, source);
  const { clients } = runtime;
  return createDispatchHandler({
    s3: clients.create(S3Client, {}),
    ddb: createDocumentClient(clients.create(DynamoDBClient, {})),
    queue: createSqsQueueSender(clients.create(SQSClient, {}), { send: env.SEND_QUEUE_URL }),
    publisher: createSnsPublisher(clients.create(SNSClient, {}), { ops: env.OPS_TOPIC_ARN }),
    logger: runtime.logger ?? createLogger(),
    clock: runtime.clock ?? wallClock,
    settings: {
      bucket: env.BUCKET_NAME,
      tableName: env.LEDGER_TABLE,
      pressListKey: env.PRESS_LIST_KEY,
    },
  });
}

export const handler = lambdaEntry(bootDispatch);
