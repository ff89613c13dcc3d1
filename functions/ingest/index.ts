/**
 * Entry for `ingest` (S3 ObjectCreated on incoming/*.json; with approval, decisions too): `bootIngest` builds the
 * handler from an environment and a runtime (functions/shared/runtime.ts); `handler` is
 * the Lambda export, built at cold start. The work is in handler.ts.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESClient } from '@aws-sdk/client-ses';
import { SNSClient } from '@aws-sdk/client-sns';
import { createEventBridgeScheduler, createSnsPublisher } from '../shared/aws-ports';
import { type EnvSource, readEnv } from '../shared/env';
import { createDocumentClient } from '../shared/ledger/client';
import { createLogger } from '../shared/logger';
import { type FunctionRuntime, lambdaEntry, wallClock } from '../shared/runtime';
import { secretsManagerSource } from '../shared/secrets';
import { type IngestEnv, ingestEnvSchema } from './env';
import { createIngestHandler } from './handler';

export function bootIngest(source: EnvSource, runtime: FunctionRuntime) {
  const env = readEnv(ingestEnvSchema, source);
  const { clients } = runtime;
  const approval = approvalSettings(env, runtime);
  return createIngestHandler({
    ...(approval ? { ses: clients.create(SESClient, {}) } : {}),
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
    clock: runtime.clock ?? wallClock,
    ...(runtime.sleep ? { sleep: runtime.sleep } : {}),
    settings: {
      bucket: env.BUCKET_NAME,
      tableName: env.LEDGER_TABLE,
      defaultTimezone: env.DEFAULT_TIMEZONE,
      senderDisplayName: env.SENDER_DISPLAY_NAME,
      approval,
      sender: env.SENDER_FROM
        ? { from: env.SENDER_FROM, configurationSet: env.SES_CONFIGURATION_SET }
        : null,
    },
  });
}

/** Approval settings from the environment (the schema checked they come together), or null. */
function approvalSettings(env: IngestEnv, runtime: FunctionRuntime) {
  const { APPROVAL_SETTINGS, APPROVAL_URL, APPROVAL_SECRET_ARN, SENDER_FROM, PRESS_LIST_KEY } = env;
  if (
    !APPROVAL_SETTINGS ||
    !APPROVAL_URL ||
    !APPROVAL_SECRET_ARN ||
    !SENDER_FROM ||
    !PRESS_LIST_KEY
  ) {
    return null;
  }
  return {
    ...APPROVAL_SETTINGS,
    url: APPROVAL_URL,
    secret: secretsManagerSource(
      runtime.clients.create(SecretsManagerClient, {}),
      APPROVAL_SECRET_ARN,
    ),
    from: SENDER_FROM,
    configurationSet: env.SES_CONFIGURATION_SET,
    pressListKey: PRESS_LIST_KEY,
    partners: env.PARTNER_FILTERS ?? [],
  };
}

export const handler = lambdaEntry(bootIngest);
