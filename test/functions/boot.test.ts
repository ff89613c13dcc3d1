/**
 * Booting the entries (functions/<name>/index.ts): each builds its handler from an
 * environment and a runtime, refuses an environment that misses a variable (naming it),
 * and in Lambda builds the handler once, while the module is imported (the init phase).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { approvalEnvironment } from '../../functions/approval/env';
import { bootApproval } from '../../functions/approval/index';
import { dispatchEnvironment } from '../../functions/dispatch/env';
import { bootDispatch } from '../../functions/dispatch/index';
import { feedbackEnvironment } from '../../functions/feedback/env';
import { bootFeedback } from '../../functions/feedback/index';
import { ingestEnvironment } from '../../functions/ingest/env';
import { bootIngest } from '../../functions/ingest/index';
import { releaseEnvironment } from '../../functions/release/env';
import { bootRelease } from '../../functions/release/index';
import { sendEnvironment } from '../../functions/send/env';
import { bootSend } from '../../functions/send/index';
import { EnvironmentError, type EnvSource } from '../../functions/shared/env';
import {
  type ClientFactory,
  type FunctionRuntime,
  lambdaRuntime,
} from '../../functions/shared/runtime';
import { unsubscribeEnvironment } from '../../functions/unsubscribe/env';
import { bootUnsubscribe } from '../../functions/unsubscribe/index';
import { websiteHookEnvironment } from '../../functions/website-hook/env';
import { bootWebsiteHook } from '../../functions/website-hook/index';
import { lambdaContext } from '../helpers/lambda-context';

const ACCOUNT = 'arn:aws:sns:eu-west-2:123456789012';
const common = { LEDGER_TABLE: 'herald-ledger', BUCKET_NAME: 'herald-statements' };

/** A complete environment per function (as the CDK stack would set it) and what it requires. */
const entries: Array<{
  name: string;
  boot: (env: EnvSource, runtime: FunctionRuntime) => unknown;
  env: Readonly<Record<string, string>>;
  required: string[];
}> = [
  {
    name: 'ingest',
    boot: bootIngest,
    env: ingestEnvironment({
      ...common,
      PRESS_TOPIC_ARN: `${ACCOUNT}:press`,
      PARTNERS_TOPIC_ARN: `${ACCOUNT}:partners`,
      WEBSITE_TOPIC_ARN: `${ACCOUNT}:website`,
      OPS_TOPIC_ARN: `${ACCOUNT}:ops`,
      RELEASE_FUNCTION_ARN: 'arn:aws:lambda:eu-west-2:123456789012:function:release',
      SCHEDULER_ROLE_ARN: 'arn:aws:iam::123456789012:role/scheduler',
      SCHEDULE_GROUP: 'herald',
      SCHEDULER_DLQ_ARN: 'arn:aws:sqs:eu-west-2:123456789012:scheduler-dlq',
    }),
    required: [
      'LEDGER_TABLE',
      'BUCKET_NAME',
      'PRESS_TOPIC_ARN',
      'PARTNERS_TOPIC_ARN',
      'WEBSITE_TOPIC_ARN',
      'OPS_TOPIC_ARN',
      'RELEASE_FUNCTION_ARN',
      'SCHEDULER_ROLE_ARN',
      'SCHEDULE_GROUP',
      'SCHEDULER_DLQ_ARN',
    ],
  },
  {
    name: 'dispatch',
    boot: bootDispatch,
    env: dispatchEnvironment({
      ...common,
      SEND_QUEUE_URL: 'https://sqs.eu-west-2.amazonaws.com/123456789012/send',
      OPS_TOPIC_ARN: `${ACCOUNT}:ops`,
    }),
    required: ['LEDGER_TABLE', 'BUCKET_NAME', 'SEND_QUEUE_URL', 'OPS_TOPIC_ARN'],
  },
  {
    name: 'send',
    boot: bootSend,
    env: sendEnvironment({
      ...common,
      SENDER_FROM: 'Press Office <press@example.org>',
      UNSUBSCRIBE_BASE_URL: 'https://abc.lambda-url.eu-west-2.on.aws/',
      UNSUBSCRIBE_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-2:123456789012:secret:u-AbCdEf',
      OPS_TOPIC_ARN: 'arn:aws:sns:eu-west-2:123456789012:ops',
    }),
    required: [
      'LEDGER_TABLE',
      'BUCKET_NAME',
      'SENDER_FROM',
      'UNSUBSCRIBE_BASE_URL',
      'UNSUBSCRIBE_SECRET_ARN',
      'OPS_TOPIC_ARN',
    ],
  },
  {
    name: 'release',
    boot: bootRelease,
    env: releaseEnvironment({
      ...common,
      PARTNERS_TOPIC_ARN: `${ACCOUNT}:partners`,
      WEBSITE_TOPIC_ARN: `${ACCOUNT}:website`,
      OPS_TOPIC_ARN: `${ACCOUNT}:ops`,
    }),
    required: [
      'LEDGER_TABLE',
      'BUCKET_NAME',
      'PARTNERS_TOPIC_ARN',
      'WEBSITE_TOPIC_ARN',
      'OPS_TOPIC_ARN',
    ],
  },
  {
    name: 'website-hook',
    boot: bootWebsiteHook,
    env: websiteHookEnvironment({
      LEDGER_TABLE: 'herald-ledger',
      WEBSITE_HOOK_URL: 'https://example.org/hooks/rebuild',
      WEBHOOK_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-2:123456789012:secret:w-AbCdEf',
    }),
    // The secret is required because a hook URL is set.
    required: ['LEDGER_TABLE', 'WEBHOOK_SECRET_ARN'],
  },
  {
    name: 'unsubscribe',
    boot: bootUnsubscribe,
    env: unsubscribeEnvironment({
      LEDGER_TABLE: 'herald-ledger',
      UNSUBSCRIBE_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-2:123456789012:secret:u-AbCdEf',
    }),
    required: ['LEDGER_TABLE', 'UNSUBSCRIBE_SECRET_ARN'],
  },
  {
    name: 'feedback',
    boot: bootFeedback,
    env: feedbackEnvironment({ LEDGER_TABLE: 'herald-ledger' }),
    required: ['LEDGER_TABLE'],
  },
  {
    name: 'approval',
    boot: bootApproval,
    env: approvalEnvironment({
      LEDGER_TABLE: 'herald-ledger',
      APPROVAL_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-2:123456789012:secret:a-AbCdEf',
      APPROVALS_TOPIC_ARN: `${ACCOUNT}:approvals`,
    }),
    required: ['LEDGER_TABLE', 'APPROVAL_SECRET_ARN', 'APPROVALS_TOPIC_ARN'],
  },
];

/** Ingest with approval configured: the settings come together, or the boot says what is missing. */
const INGEST_APPROVAL = {
  APPROVAL_SETTINGS: JSON.stringify({
    approvers: [{ email: 'sam.head@example.org', name: 'Sam Head' }],
  }),
  APPROVAL_URL: 'https://abc.lambda-url.eu-west-2.on.aws/',
  APPROVAL_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-2:123456789012:secret:a-AbCdEf',
  SENDER_FROM: 'Press Office <press@example.org>',
  PRESS_LIST_KEY: 'lists/press.csv',
  PARTNER_FILTERS: JSON.stringify([{ name: 'police', filterPolicy: null }]),
};

/** A runtime that counts the clients made instead of making them. */
function countingRuntime(): { runtime: FunctionRuntime; made: string[] } {
  const made: string[] = [];
  const clients: ClientFactory = {
    create(Client, config) {
      made.push(Client.name);
      return lambdaRuntime.clients.create(Client, config);
    },
  };
  return { runtime: { clients }, made };
}

function without(env: Readonly<Record<string, string>>, name: string): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter(([key]) => key !== name));
}

describe('booting an entry', () => {
  it.each(entries)('boots $name from a complete environment', ({ boot, env }) => {
    // Act
    const handler = boot(env, countingRuntime().runtime);

    // Assess
    expect(handler).toBeTypeOf('function');
  });

  it.each(entries.flatMap((entry) => entry.required.map((variable) => ({ ...entry, variable }))))(
    'refuses $name without $variable, naming it, before making any client',
    ({ boot, env, variable }) => {
      // Prepare
      const { runtime, made } = countingRuntime();

      // Act
      let thrown: unknown;
      try {
        boot(without(env, variable), runtime);
      } catch (error) {
        thrown = error;
      }

      // Assess
      expect(thrown).toBeInstanceOf(EnvironmentError);
      expect(thrown instanceof EnvironmentError ? thrown.problems : []).toEqual([
        expect.stringMatching(new RegExp(`^${variable} is missing`)),
      ]);
      expect(made).toEqual([]);
    },
  );

  it('makes every SDK client through the runtime it is given', () => {
    // Prepare
    const { runtime, made } = countingRuntime();
    const env = entries.find((e) => e.name === 'ingest')?.env ?? {};

    // Act
    bootIngest(env, runtime);

    // Assess
    expect(made.sort()).toEqual(['DynamoDBClient', 'S3Client', 'SNSClient', 'SchedulerClient']);
  });
});

describe('booting ingest with approval configured', () => {
  const ingest = entries.find((e) => e.name === 'ingest')?.env ?? {};

  it('makes the SES and Secrets Manager clients proofs need', () => {
    const { runtime, made } = countingRuntime();
    bootIngest({ ...ingest, ...INGEST_APPROVAL }, runtime);
    expect(made.sort()).toEqual([
      'DynamoDBClient',
      'S3Client',
      'SESClient',
      'SNSClient',
      'SchedulerClient',
      'SecretsManagerClient',
    ]);
  });

  it.each(['APPROVAL_URL', 'APPROVAL_SECRET_ARN', 'SENDER_FROM', 'PRESS_LIST_KEY'])(
    'refuses approval settings without %s',
    (variable) => {
      expect(() =>
        bootIngest(without({ ...ingest, ...INGEST_APPROVAL }, variable), countingRuntime().runtime),
      ).toThrow(new RegExp(`${variable} is missing \\(is required with APPROVAL_SETTINGS\\)`));
    },
  );

  it("refuses approval settings that are not the config's approval", () => {
    const bad = { ...ingest, ...INGEST_APPROVAL, APPROVAL_SETTINGS: '{"approvers": []}' };
    expect(() => bootIngest(bad, countingRuntime().runtime)).toThrow(/APPROVAL_SETTINGS/);
  });
});

describe('the Lambda handler export', () => {
  const feedback = entries.find((e) => e.name === 'feedback');
  const deliveryEvent = {
    Records: [
      {
        Sns: {
          MessageId: 'm-1',
          Message: JSON.stringify({ eventType: 'Delivery', mail: { messageId: 'ses-1' } }),
        },
      },
    ],
  };

  // Each test imports a fresh copy of the entry, as a new Lambda container would.
  beforeEach(() => {
    vi.resetModules();
  });

  afterEach(() => {
    vi.unstubAllEnvs();
  });

  function stubEnv(env: Readonly<Record<string, string>>): void {
    for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  }

  it('in Lambda, fails the init (the import) when a variable is missing', async () => {
    // Prepare
    vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', 'herald-unsubscribe');
    vi.stubEnv('LEDGER_TABLE', 'herald-ledger');
    vi.stubEnv('UNSUBSCRIBE_SECRET_ARN', undefined);

    // Act
    const imported = import('../../functions/unsubscribe/index');

    // Assess
    await expect(imported).rejects.toMatchObject({
      name: 'EnvironmentError',
      problems: [expect.stringMatching(/^UNSUBSCRIBE_SECRET_ARN is missing/)],
    });
  });

  it('in Lambda, builds the handler once at import: later changes to the environment do not matter', async () => {
    // Prepare
    vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', 'herald-feedback');
    stubEnv(feedback?.env ?? {});
    const { handler } = await import('../../functions/feedback/index');

    // Act
    vi.stubEnv('LEDGER_TABLE', undefined);
    const result = handler(deliveryEvent as Parameters<typeof handler>[0], lambdaContext(3_000));

    // Assess
    await expect(result).resolves.toBeUndefined();
  });

  it('outside Lambda, importing reads no environment; the first call builds the handler', async () => {
    // Prepare
    vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', undefined);
    vi.stubEnv('LEDGER_TABLE', undefined);

    // Act
    const { handler } = await import('../../functions/feedback/index');
    const call = async () =>
      handler(deliveryEvent as Parameters<typeof handler>[0], lambdaContext(3_000));

    // Assess
    await expect(call()).rejects.toMatchObject({
      name: 'EnvironmentError',
      problems: [expect.stringMatching(/^LEDGER_TABLE is missing/)],
    });
    stubEnv(feedback?.env ?? {});
    await expect(call()).resolves.toBeUndefined();
  });
});
