/** Lambda entry for `dispatch`: builds the clients once per container and exports `handler`. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { createSnsPublisher, createSqsQueueSender } from '../shared/aws-ports';
import { readEnv } from '../shared/env';
import { createDocumentClient } from '../shared/ledger/client';
import { createLogger } from '../shared/logger';
import { createDispatchHandler } from './handler';

const env = readEnv(
  z.object({
    LEDGER_TABLE: z.string().min(1),
    BUCKET_NAME: z.string().min(1),
    SEND_QUEUE_URL: z.string().min(1),
    OPS_TOPIC_ARN: z.string().min(1),
    PRESS_LIST_KEY: z.string().min(1).default('lists/press.csv'),
  }),
);

export const handler = createDispatchHandler({
  s3: new S3Client({}),
  ddb: createDocumentClient(new DynamoDBClient({})),
  queue: createSqsQueueSender(new SQSClient({}), { send: env.SEND_QUEUE_URL }),
  publisher: createSnsPublisher(new SNSClient({}), { ops: env.OPS_TOPIC_ARN }),
  logger: createLogger({ serviceName: 'herald-dispatch' }),
  settings: {
    bucket: env.BUCKET_NAME,
    tableName: env.LEDGER_TABLE,
    pressListKey: env.PRESS_LIST_KEY,
  },
});
