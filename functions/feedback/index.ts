/** Lambda entry for `feedback` (SES bounce/complaint events via SNS). */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import { readEnv } from '../shared/env';
import { createDocumentClient } from '../shared/ledger/client';
import { createLogger } from '../shared/logger';
import { createFeedbackHandler } from './handler';

const env = readEnv(z.object({ LEDGER_TABLE: z.string().min(1) }));

export const handler = createFeedbackHandler({
  ddb: createDocumentClient(new DynamoDBClient({})),
  logger: createLogger({ serviceName: 'herald-feedback' }),
  clock: () => new Date(),
  settings: { tableName: env.LEDGER_TABLE },
});
