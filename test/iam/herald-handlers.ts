/**
 * Every Herald handler built from the environment the stack gives it, the way
 * its functions/<name>/index.ts builds it, but over a RecordedWorld's clients:
 * the handler-level scenarios in permissions.test.ts drive these.
 */
import { createApprovalHandler } from '../../functions/approval/handler';
import { createDispatchHandler } from '../../functions/dispatch/handler';
import { createFeedbackHandler } from '../../functions/feedback/handler';
import { ingestEnvSchema } from '../../functions/ingest/env';
import { createIngestHandler } from '../../functions/ingest/handler';
import { createReleaseHandler } from '../../functions/release/handler';
import { createSendHandler } from '../../functions/send/handler';
import {
  createEventBridgeScheduler,
  createSnsPublisher,
  createSqsQueueSender,
} from '../../functions/shared/aws-ports';
import { readEnv } from '../../functions/shared/env';
import { createLogger } from '../../functions/shared/logger';
import { secretsManagerSource } from '../../functions/shared/secrets';
import { createUnsubscribeHandler } from '../../functions/unsubscribe/handler';
import { createWebsiteHookHandler } from '../../functions/website-hook/handler';
import type { TestClock } from '../helpers/herald-fakes';
import type { RecordedWorld } from './recorded-world';

type Env = Readonly<Record<string, string>>;

function variable(env: Env, fn: string, name: string): string {
  const value = env[name];
  if (value === undefined) throw new Error(`the stack gives ${fn} no ${name}`);
  return value;
}

export function heraldHandlers(
  world: RecordedWorld,
  environments: Readonly<Record<string, Env>>,
  clock: TestClock,
) {
  // IAM_DEBUG=1 shows the handlers' logs when a scenario fails for a reason that is not IAM.
  const logger = createLogger({ logLevel: process.env.IAM_DEBUG ? 'DEBUG' : 'SILENT' });
  const envOf = (fn: string) => {
    const env = environments[fn];
    if (env === undefined) throw new Error(`no environment for ${fn}`);
    return (name: string) => variable(env, fn, name);
  };
  const sleep = async (ms: number) => clock.advance(ms);

  const ingestEnv = envOf('ingest');
  const ingestClients = world.clientsFor('ingest');
  // With approval configured, ingest sends proofs: its settings as its entry reads them.
  const parsedIngestEnv = readEnv(ingestEnvSchema, environments.ingest ?? {});
  const approvalSettings = parsedIngestEnv.APPROVAL_SETTINGS
    ? {
        ...parsedIngestEnv.APPROVAL_SETTINGS,
        url: ingestEnv('APPROVAL_URL'),
        secret: secretsManagerSource(ingestClients.secrets, ingestEnv('APPROVAL_SECRET_ARN')),
        from: ingestEnv('SENDER_FROM'),
        configurationSet: ingestEnv('SES_CONFIGURATION_SET'),
        pressListKey: ingestEnv('PRESS_LIST_KEY'),
        partners: parsedIngestEnv.PARTNER_FILTERS ?? [],
      }
    : null;
  const ingestDeps = {
    ...(approvalSettings ? { ses: ingestClients.ses } : {}),
    s3: ingestClients.s3,
    ddb: ingestClients.ddb,
    publisher: createSnsPublisher(ingestClients.sns, {
      press: ingestEnv('PRESS_TOPIC_ARN'),
      partners: ingestEnv('PARTNERS_TOPIC_ARN'),
      website: ingestEnv('WEBSITE_TOPIC_ARN'),
      ops: ingestEnv('OPS_TOPIC_ARN'),
    }),
    scheduler: createEventBridgeScheduler(ingestClients.scheduler, {
      groupName: ingestEnv('SCHEDULE_GROUP'),
      targetArn: ingestEnv('RELEASE_FUNCTION_ARN'),
      roleArn: ingestEnv('SCHEDULER_ROLE_ARN'),
      deadLetterArn: ingestEnv('SCHEDULER_DLQ_ARN'),
    }),
    logger,
    clock: clock.now,
    sleep,
    settings: {
      bucket: ingestEnv('BUCKET_NAME'),
      tableName: ingestEnv('LEDGER_TABLE'),
      defaultTimezone: ingestEnv('DEFAULT_TIMEZONE'),
      effectLeaseMs: 60_000,
      approval: approvalSettings,
    },
  };

  const releaseEnv = envOf('release');
  const releaseClients = world.clientsFor('release');
  const release = createReleaseHandler({
    s3: releaseClients.s3,
    ddb: releaseClients.ddb,
    publisher: createSnsPublisher(releaseClients.sns, {
      partners: releaseEnv('PARTNERS_TOPIC_ARN'),
      website: releaseEnv('WEBSITE_TOPIC_ARN'),
      ops: releaseEnv('OPS_TOPIC_ARN'),
    }),
    logger,
    clock: clock.now,
    sleep,
    settings: { bucket: releaseEnv('BUCKET_NAME'), tableName: releaseEnv('LEDGER_TABLE') },
  });

  const dispatchEnv = envOf('dispatch');
  const dispatchClients = world.clientsFor('dispatch');
  const dispatch = createDispatchHandler({
    s3: dispatchClients.s3,
    ddb: dispatchClients.ddb,
    queue: createSqsQueueSender(dispatchClients.sqs, { send: dispatchEnv('SEND_QUEUE_URL') }),
    publisher: createSnsPublisher(dispatchClients.sns, { ops: dispatchEnv('OPS_TOPIC_ARN') }),
    logger,
    clock: clock.now,
    settings: {
      bucket: dispatchEnv('BUCKET_NAME'),
      tableName: dispatchEnv('LEDGER_TABLE'),
      pressListKey: dispatchEnv('PRESS_LIST_KEY'),
    },
  });

  const sendEnv = envOf('send');
  const sendClients = world.clientsFor('send');
  const send = createSendHandler({
    s3: sendClients.s3,
    ses: sendClients.ses,
    ddb: sendClients.ddb,
    logger,
    clock: clock.now,
    sleep,
    random: () => 0.5,
    unsubscribeSecret: secretsManagerSource(sendClients.secrets, sendEnv('UNSUBSCRIBE_SECRET_ARN')),
    publisher: createSnsPublisher(sendClients.sns, { ops: sendEnv('OPS_TOPIC_ARN') }),
    settings: {
      bucket: sendEnv('BUCKET_NAME'),
      tableName: sendEnv('LEDGER_TABLE'),
      from: sendEnv('SENDER_FROM'),
      configurationSet: sendEnv('SES_CONFIGURATION_SET'),
      unsubscribeBaseUrl: sendEnv('UNSUBSCRIBE_BASE_URL'),
      ratePerSecond: Number(sendEnv('SEND_RATE_PER_SECOND')),
      leaseMs: 60_000,
    },
  });

  const hookEnv = envOf('website-hook');
  const hookClients = world.clientsFor('website-hook');
  const websiteHook = createWebsiteHookHandler({
    ddb: hookClients.ddb,
    fetch: async () => new Response('ok', { status: 200 }),
    logger,
    clock: clock.now,
    webhookSecret: secretsManagerSource(hookClients.secrets, hookEnv('WEBHOOK_SECRET_ARN')),
    settings: { tableName: hookEnv('LEDGER_TABLE'), hookUrl: hookEnv('WEBSITE_HOOK_URL') },
  });

  const feedbackEnv = envOf('feedback');
  const feedback = createFeedbackHandler({
    ddb: world.clientsFor('feedback').ddb,
    logger,
    clock: clock.now,
    settings: { tableName: feedbackEnv('LEDGER_TABLE') },
  });

  const unsubscribeEnv = envOf('unsubscribe');
  const unsubscribeClients = world.clientsFor('unsubscribe');
  const unsubscribe = createUnsubscribeHandler({
    ddb: unsubscribeClients.ddb,
    logger,
    clock: clock.now,
    unsubscribeSecret: secretsManagerSource(
      unsubscribeClients.secrets,
      unsubscribeEnv('UNSUBSCRIBE_SECRET_ARN'),
    ),
    settings: { tableName: unsubscribeEnv('LEDGER_TABLE') },
  });

  const approval = environments.approval
    ? (() => {
        const approvalEnv = envOf('approval');
        const clients = world.clientsFor('approval');
        return createApprovalHandler({
          ddb: clients.ddb,
          publisher: createSnsPublisher(clients.sns, {
            approvals: approvalEnv('APPROVALS_TOPIC_ARN'),
          }),
          logger,
          clock: clock.now,
          approvalSecret: secretsManagerSource(clients.secrets, approvalEnv('APPROVAL_SECRET_ARN')),
          settings: { tableName: approvalEnv('LEDGER_TABLE') },
        });
      })()
    : null;

  return {
    approval,
    ingest: createIngestHandler(ingestDeps),
    release,
    dispatch,
    send,
    websiteHook,
    feedback,
    unsubscribe,
  };
}
