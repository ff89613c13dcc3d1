/**
 * Lambda entry for `release`, invoked by the EventBridge Scheduler one-time
 * schedule at the embargo lift with a ReleaseRequest as the event.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { z } from 'zod';
import { createSnsPublisher } from '../shared/aws-ports';
import { readEnv } from '../shared/env';
import { createDocumentClient } from '../shared/ledger/client';
import { createLogger } from '../shared/logger';
import { createReleaseHandler, type ReleaseOutcome, type SweepOutcome } from './handler';

const arn = z.string().startsWith('arn:', { error: 'must be an ARN' });

const env = readEnv(
  z.object({
    LEDGER_TABLE: z.string().min(1),
    BUCKET_NAME: z.string().min(1),
    PARTNERS_TOPIC_ARN: arn,
    WEBSITE_TOPIC_ARN: arn,
    OPS_TOPIC_ARN: arn,
  }),
);

const release = createReleaseHandler({
  s3: new S3Client({}),
  ddb: createDocumentClient(new DynamoDBClient({})),
  publisher: createSnsPublisher(new SNSClient({}), {
    partners: env.PARTNERS_TOPIC_ARN,
    website: env.WEBSITE_TOPIC_ARN,
    ops: env.OPS_TOPIC_ARN,
  }),
  logger: createLogger(),
  clock: () => new Date(),
  settings: { bucket: env.BUCKET_NAME, tableName: env.LEDGER_TABLE },
});

export const handler = (
  event: unknown,
  context?: { getRemainingTimeInMillis(): number },
): Promise<ReleaseOutcome | SweepOutcome> => release(event, context);
