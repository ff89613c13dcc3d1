/** Lambda entry for `unsubscribe` (a Function URL: GET confirm page, POST one-click). */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import { readEnv } from '../shared/env';
import { createDocumentClient } from '../shared/ledger/client';
import { createLogger } from '../shared/logger';
import { secretsManagerSource } from '../shared/secrets';
import { createUnsubscribeHandler } from './handler';

const env = readEnv(
  z.object({ LEDGER_TABLE: z.string().min(1), UNSUBSCRIBE_SECRET_ARN: z.string().min(1) }),
);

export const handler = createUnsubscribeHandler({
  ddb: createDocumentClient(new DynamoDBClient({})),
  logger: createLogger({ serviceName: 'herald-unsubscribe' }),
  clock: () => new Date(),
  unsubscribeSecret: secretsManagerSource(new SecretsManagerClient({}), env.UNSUBSCRIBE_SECRET_ARN),
  settings: { tableName: env.LEDGER_TABLE },
});
