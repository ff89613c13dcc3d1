/**
 * Entry for `approval` (a Function URL: the Approve and Reject links in proof
 * emails). `bootApproval` builds the handler from an environment and a runtime
 * (functions/shared/runtime.ts); `handler` is the Lambda export, built at cold start.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { createSnsPublisher } from '../shared/aws-ports';
import { type EnvSource, readEnv } from '../shared/env';
import { createDocumentClient } from '../shared/ledger/client';
import { createLogger } from '../shared/logger';
import { type FunctionRuntime, lambdaEntry, wallClock } from '../shared/runtime';
import { secretsManagerSource } from '../shared/secrets';
import { approvalEnvSchema } from './env';
import { createApprovalHandler } from './handler';

export function bootApproval(source: EnvSource, runtime: FunctionRuntime) {
  const env = readEnv(approvalEnvSchema, source);
  const { clients } = runtime;
  return createApprovalHandler({
    ddb: createDocumentClient(clients.create(DynamoDBClient, {})),
    publisher: createSnsPublisher(clients.create(SNSClient, {}), {
      approvals: env.APPROVALS_TOPIC_ARN,
    }),
    logger: runtime.logger ?? createLogger({ serviceName: 'herald-approval' }),
    clock: runtime.clock ?? wallClock,
    approvalSecret: secretsManagerSource(
      clients.create(SecretsManagerClient, {}),
      env.APPROVAL_SECRET_ARN,
    ),
    settings: { tableName: env.LEDGER_TABLE },
  });
}

export const handler = lambdaEntry(bootApproval);
