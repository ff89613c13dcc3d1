/**
 * What is deployed is what was tested: every AWS call the handlers make, run
 * over the in-memory fakes with the call recorder on their clients, is
 * evaluated against the permissions the synthesized stack gives each function
 * (identity policies and the bucket, topic, queue and key policies).
 */
import type { LambdaFunctionURLEvent, SNSEvent, SQSEvent, SQSRecord } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { createUnsubscribeToken } from '../../core/security/unsubscribe-token';
import type { StatementInput } from '../../core/statement/schema';
import type { AwsCallRecord } from '../../functions/shared/aws-call-recorder';
import type { PressJob } from '../../functions/shared/messages';
import { sampleInput } from '../fixtures/statements';
import { functionUrlEvent } from '../helpers/function-url';
import { s3Event, s3Record, TestClock } from '../helpers/herald-fakes';
import { seedHead } from '../helpers/ledger';
import {
  assertPermitted,
  deployedEnvironments,
  evaluatePermissions,
  PermissionDeniedError,
  synthesizeHerald,
} from './evaluate';
import { heraldHandlers } from './herald-handlers';
import { RecordedWorld } from './recorded-world';
import { iamRequestsFor, UnknownAwsCallError } from './requests';
import { type CfnTemplate, WiringError } from './template-model';

const SECRET = 'x'.repeat(64);
const BEFORE_LIFT = '2024-02-20T12:00:00.000Z';
const LIFT = '2024-02-21T00:01:00.000Z';
const ID = 'bscp-2024-02-scr';

const { template, functions } = synthesizeHerald();
const environments = deployedEnvironments(template, functions);

function setup(now: string) {
  const world = new RecordedWorld(SECRET);
  const clock = new TestClock(new Date(now));
  const handlers = heraldHandlers(world, environments, clock);
  let uploads = 0;
  /** Puts a statement in incoming/ (as the comms officer would) and hands it to ingest. */
  const ingest = async (input: StatementInput) => {
    const key = `incoming/statement-${++uploads}.json`;
    const versionId = world.bucket.write(key, JSON.stringify(input));
    return handlers.ingest(s3Event(s3Record(key, { versionId })));
  };
  return { world, clock, handlers, ingest };
}

function notEmbargoed(): StatementInput {
  const input = sampleInput();
  delete input.embargo;
  return input;
}

describe('permissions as deployed', () => {
  it('lets ingest release a statement with no embargo in force (it writes published/)', async () => {
    // Prepare
    const { world, ingest } = setup(BEFORE_LIFT);

    // Act
    const [outcome] = await ingest(notEmbargoed());

    // Assess
    expect(outcome).toMatchObject({ outcome: 'published', released: true });
    expect(world.calls).toContainEqual(
      expect.objectContaining({
        function: 'ingest',
        command: 'PutObject',
        input: expect.objectContaining({ Key: expect.stringMatching(/^published\//) }),
      }),
    );
    await assertPermitted(world.calls, { template, functions, environments });
  });
});

const sqsEvent = (...bodies: string[]): SQSEvent => ({
  Records: bodies.map((body, i) => ({ messageId: `m-${i}`, body }) as SQSRecord),
});

const snsEvent = (message: unknown): SNSEvent => ({
  Records: [
    {
      EventSource: 'aws:sns',
      EventVersion: '1.0',
      EventSubscriptionArn: 'arn:aws:sns:eu-west-2:123456789012:feedback:sub',
      Sns: {
        Type: 'Notification',
        MessageId: 'sns-1',
        TopicArn: 'arn:aws:sns:eu-west-2:123456789012:feedback',
        Message: JSON.stringify(message),
        Timestamp: BEFORE_LIFT,
        SignatureVersion: '1',
        Signature: 'x',
        SigningCertUrl: 'https://example.invalid/cert',
        UnsubscribeUrl: 'https://example.invalid/unsub',
        MessageAttributes: {},
      },
    },
  ],
});

function oneClick(token: string): LambdaFunctionURLEvent {
  return functionUrlEvent({
    method: 'POST',
    token,
    at: BEFORE_LIFT,
    body: 'List-Unsubscribe=One-Click',
  });
}

/**
 * The life of two statements through every function, over the fakes: an
 * embargoed one (ingest, dispatch, send, release at the lift, the website hook),
 * a bounce and an unsubscribe, one with no embargo (released by ingest), one
 * withdrawn before its lift (its schedule deleted) and an invalid upload.
 */
async function everyFunction(): Promise<{ calls: AwsCallRecord[]; world: RecordedWorld }> {
  const { world, clock, handlers, ingest } = setup(BEFORE_LIFT);
  const env = (fn: string, name: string) => environments[fn]?.[name] ?? '';
  world.bucket.write(
    env('dispatch', 'PRESS_LIST_KEY'),
    'email,name,outlet,topics\nann@example.org,Ann Reporter,Daily Post,safeguarding\n',
  );

  expect(await ingest(sampleInput())).toMatchObject([{ outcome: 'published', released: false }]);
  const jobs = world.messagesOn<PressJob>(env('ingest', 'PRESS_TOPIC_ARN'));
  expect(await handlers.dispatch(sqsEvent(...jobs.map((j) => JSON.stringify(j))))).toEqual({
    batchItemFailures: [],
  });
  expect(await handlers.send(sqsEvent(...world.queued.map((q) => q.body)))).toEqual({
    batchItemFailures: [],
  });
  expect(world.emails).toHaveLength(1);

  await handlers.feedback(
    snsEvent({
      eventType: 'Bounce',
      mail: { messageId: 'ses-1' },
      bounce: {
        bounceType: 'Permanent',
        bouncedRecipients: [{ emailAddress: 'gone@example.org' }],
      },
    }),
  );
  const unsubscribed = await handlers.unsubscribe(
    oneClick(createUnsubscribeToken('ann@example.org', SECRET)),
  );
  expect(unsubscribed).toMatchObject({ statusCode: 200 });

  expect(await ingest({ ...notEmbargoed(), id: 'bscp-2024-02-now' })).toMatchObject([
    { outcome: 'published', released: true },
  ]);
  const later = { ...sampleInput(), id: 'bscp-2024-02-later' };
  await ingest(later);
  expect(
    await ingest({
      ...later,
      revision: 2,
      status: 'withdraw',
      withdrawalReason: 'Issued in error.',
    }),
  ).toMatchObject([{ outcome: 'withdrawn' }]);
  expect(await ingest({ ...sampleInput(), headline: '' })).toMatchObject([{ outcome: 'rejected' }]);

  clock.set(LIFT);
  expect(await handlers.release({ id: ID, revision: 1 })).toMatchObject({ outcome: 'released' });
  const website = world.published.filter((m) => m.topicArn === env('release', 'WEBSITE_TOPIC_ARN'));
  expect(await handlers.websiteHook(sqsEvent(...website.map((m) => m.body)))).toEqual({
    batchItemFailures: [],
  });
  return { calls: world.calls, world };
}

describe('every function, as deployed', () => {
  let calls: AwsCallRecord[] = [];
  beforeAll(async () => {
    ({ calls } = await everyFunction());
  });

  it('drives every function and the commands each path needs', () => {
    const made = new Set(calls.map((c) => `${c.function} ${c.service}:${c.command}`));
    expect(new Set(calls.map((c) => c.function))).toEqual(new Set(Object.keys(functions)));
    for (const expected of [
      'ingest s3:GetObject',
      'ingest s3:CopyObject',
      'ingest s3:PutObject',
      'ingest sns:Publish',
      'ingest scheduler:CreateSchedule',
      'ingest scheduler:DeleteSchedule',
      'dispatch s3:GetObject',
      'dispatch sqs:SendMessageBatch',
      'send secretsmanager:GetSecretValue',
      'send ses:SendRawEmail',
      'release s3:PutObject',
      'release sns:Publish',
      'website-hook secretsmanager:GetSecretValue',
      'feedback dynamodb:PutItem',
      'unsubscribe dynamodb:PutItem',
    ]) {
      expect(made, expected).toContain(expected);
    }
  });

  it('allows every call each function makes, with the resource policies that decide it', async () => {
    const report = await assertPermitted(calls, { template, functions, environments });
    const actions = new Set(report.decisions.map((d) => d.request.action));
    // The requests behind the calls, not only the calls: KMS for encrypted topics and
    // queues, PassRole for the schedule's role, the configuration set for SES.
    for (const action of [
      'kms:GenerateDataKey',
      'kms:Decrypt',
      'iam:PassRole',
      'ses:SendRawEmail',
    ]) {
      expect(actions).toContain(action);
    }
  });

  it('fails naming the function, action and ARN when a grant is removed', async () => {
    // Prepare: the template without ingest's iam:PassRole on the scheduler role.
    const json = structuredClone(template.toJSON()) as CfnTemplate & {
      Resources: Record<
        string,
        { Type: string; Properties?: { PolicyDocument?: { Statement: { Action: unknown }[] } } }
      >;
    };
    let removed = 0;
    for (const resource of Object.values(json.Resources)) {
      const document = resource.Properties?.PolicyDocument;
      if (resource.Type !== 'AWS::IAM::Policy' || !document) continue;
      const before = document.Statement.length;
      document.Statement = document.Statement.filter((s) => s.Action !== 'iam:PassRole');
      removed += before - document.Statement.length;
    }
    expect(removed).toBe(1);

    // Act
    const check = assertPermitted(calls, { template: json, functions, environments });

    // Assess
    await expect(check).rejects.toThrow(PermissionDeniedError);
    await expect(check).rejects.toThrow(
      /ingest: iam:PassRole on arn:aws:iam::123456789012:role\/\S+ with iam:PassedToService=scheduler\.amazonaws\.com is ImplicitlyDenied/,
    );
  });
});

describe('the check itself', () => {
  it('asks for s3:ListBucket when the code relies on "no such key" (dispatch before a press list exists)', async () => {
    const { world, handlers } = setup(BEFORE_LIFT);
    const job: PressJob = {
      id: ID,
      revision: 1,
      type: 'published',
      emailKey: `rendered/${ID}/1/email.json`,
      topics: ['health'],
      holders: false,
    };
    seedHead(world.dynamo.table, { id: ID, revision: 1 });
    await handlers.dispatch(sqsEvent(JSON.stringify(job)));
    const report = await assertPermitted(world.calls, { template, functions, environments });
    expect(report.decisions).toContainEqual(
      expect.objectContaining({
        call: expect.objectContaining({ function: 'dispatch', error: 'NoSuchKey' }),
        request: expect.objectContaining({ action: 's3:ListBucket' }),
        result: 'Allowed',
      }),
    );
  });

  it('refuses a command it does not know instead of passing it', async () => {
    const call: AwsCallRecord = {
      function: 'ingest',
      service: 's3',
      command: 'DeleteBucket',
      input: { Bucket: 'b' },
    };
    await expect(
      evaluatePermissions([call], { template, functions, environments }),
    ).rejects.toThrow(UnknownAwsCallError);
    expect(() =>
      iamRequestsFor(
        { ...call, service: 'sts', command: 'AssumeRole' },
        {
          partition: 'aws',
          region: 'eu-west-2',
          accountId: '123456789012',
          topicKey: () => undefined,
          queueArn: (u) => u,
          queueKey: () => undefined,
          secretArn: (s) => s,
          sesIdentity: () => 'example.org',
        },
      ),
    ).toThrow(/sts:AssumeRole/);
  });

  it('checks the wiring: a variable the stack does not set, or one resource under two names', async () => {
    const unknownVariable = { ...environments, release: { ...environments.release, TOPIC: 'x' } };
    await expect(
      evaluatePermissions([], { template, functions, environments: unknownVariable }),
    ).rejects.toThrow(/release was given TOPIC, but the stack does not set TOPIC on it/);

    const twoNames = {
      ...environments,
      release: { ...environments.release, BUCKET_NAME: 'other' },
    };
    await expect(
      evaluatePermissions([], { template, functions, environments: twoNames }),
    ).rejects.toThrow(WiringError);
  });

  it("accepts another deployment's name for a resource the template names itself (the local stack's schedule group)", async () => {
    // Prepare: CDK wrote the schedule group's generated name into the template as a literal.
    const local = {
      ...environments,
      ingest: { ...environments.ingest, SCHEDULE_GROUP: 'herald-local' },
    };
    const world = new RecordedWorld(SECRET);
    const handlers = heraldHandlers(world, local, new TestClock(new Date(BEFORE_LIFT)));
    const versionId = world.bucket.write('incoming/s.json', JSON.stringify(sampleInput()));

    // Act
    await handlers.ingest(s3Event(s3Record('incoming/s.json', { versionId })));

    // Assess: the schedule went to the local group, and the grant follows the name.
    const report = await assertPermitted(world.calls, { template, functions, environments: local });
    expect(report.decisions).toContainEqual(
      expect.objectContaining({
        request: expect.objectContaining({
          action: 'scheduler:CreateSchedule',
          resource: expect.stringMatching(/:schedule\/herald-local\//),
        }),
        result: 'Allowed',
      }),
    );
    // A literal that is not a resource's name must still match.
    const otherZone = { ...local, ingest: { ...local.ingest, DEFAULT_TIMEZONE: 'Europe/Paris' } };
    await expect(
      evaluatePermissions([], { template, functions, environments: otherZone }),
    ).rejects.toThrow(
      /ingest DEFAULT_TIMEZONE is "Europe\/Paris", but the stack sets it to "Europe\/London"/,
    );
    // …unless the caller says that setting may differ in this deployment.
    await expect(
      evaluatePermissions([], {
        template,
        functions,
        environments: otherZone,
        settingsThatMayDiffer: ['DEFAULT_TIMEZONE'],
      }),
    ).resolves.toMatchObject({ denied: [] });
  });

  it('names the denied call when a function is given a resource the stack does not grant', async () => {
    const { world, ingest } = setup(BEFORE_LIFT);
    await ingest(notEmbargoed());
    const elsewhere = world.calls.map((c) =>
      c.command === 'Publish'
        ? { ...c, input: { ...c.input, TopicArn: 'arn:aws:sns:eu-west-2:123456789012:other' } }
        : c,
    );
    await expect(assertPermitted(elsewhere, { template, functions, environments })).rejects.toThrow(
      /ingest: sns:Publish on arn:aws:sns:eu-west-2:123456789012:other is ImplicitlyDenied/,
    );
  });
});
