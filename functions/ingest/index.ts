/**
 * Lambda entry for `ingest` (S3 ObjectCreated on incoming/*.json). Clients and
 * configuration are built once per cold start; the work is in handler.ts.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SNSClient } from '@aws-sdk/client-sns';
import { z } from 'zod';
import { isIanaTimeZone } from '../../core/statement/schema';
import { createEventBridgeScheduler, createSnsPublisher } from '../shared/aws-ports';
import { readEnv } from '../shared/env';
import { createDocumentClient } from '../shared/ledger/client';
import { createLogger } from '../shared/logger';
import { createIngestHandler } from './handler';

const arn = z.string().startsWith('arn:', { error: 'must be an ARN' });

const env = readEnv(
  z.object({
    LEDGER_TABLE: z.string().min(1),
    BUCKET_NAME: z.string().min(1),
    PRESS_TOPIC_ARN: arn,
    PARTNERS_TOPIC_ARN: arn,
    WEBSITE_TOPIC_ARN: arn,
    OPS_TOPIC_ARN: arn,
    RELEASE_FUNCTION_ARN: arn,
    SCHEDULER_ROLE_ARN: arn,
    SCHEDULE_GROUP: z.string().min(1),
    SCHEDULER_DLQ_ARN: arn,
    DEFAULT_TIMEZONE: z
      .string()
      .refine(isIanaTimeZone, { error: 'must be an IANA time zone' })
      .default('Europe/London'),
  }),
);

export const handler = createIngestHandler({
  s3: new S3Client({}),
  ddb: createDocumentClient(new DynamoDBClient({})),
  publisher: createSnsPublisher(new SNSClient({}), {
    press: env.PRESS_TOPIC_ARN,
    partners: env.PARTNERS_TOPIC_ARN,
    website: env.WEBSITE_TOPIC_ARN,
    ops: env.OPS_TOPIC_ARN,
  }),
  scheduler: createEventBridgeScheduler(new SchedulerClient({}), {
    groupName: env.SCHEDULE_GROUP,
    targetArn: env.RELEASE_FUNCTION_ARN,
    roleArn: env.SCHEDULER_ROLE_ARN,
    deadLetterArn: env.SCHEDULER_DLQ_ARN,
  }),
  logger: createLogger(),
  clock: () => new Date(),
  settings: {
    bucket: env.BUCKET_NAME,
    tableName: env.LEDGER_TABLE,
    defaultTimezone: env.DEFAULT_TIMEZONE,
  },
});
