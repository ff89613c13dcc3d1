/**
 * Entry for `feedback` (SES bounce/complaint events via SNS): `bootFeedback` builds the
 * handler from an environment and a runtime (functions/shared/runtime.ts); `handler` is
 * the Lambda export, built at cold start.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type EnvSource, readEnv } from '../shared/env';
import { createDocumentClient } from '../shared/ledger/client';
import { createLogger } from '../shared/logger';
import { type FunctionRuntime, lambdaEntry, wallClock } from '../shared/runtime';
import { feedbackEnvSchema } from './env';
import { createFeedbackHandler } from './handler';

export function bootFeedback(source: EnvSource, runtime: FunctionRuntime) {
  const env = readEnv(feedbackEnvSchema, source);
  return createFeedbackHandler({
    ddb: createDocumentClient(runtime.clients.create(DynamoDBClient, {})),
    logger: runtime.logger ?? createLogger(),
    clock: runtime.clock ?? wallClock,
    settings: { tableName: env.LEDGER_TABLE },
  });
}

export const handler = lambdaEntry(bootFeedback);
