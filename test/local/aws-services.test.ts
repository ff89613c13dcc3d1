/**
 * SNS, SQS, EventBridge Scheduler and Secrets Manager answered in process: the AWS
 * adapters (functions/shared/aws-ports.ts, secrets.ts) run on real SDK clients from the
 * local client factory and meet the services' own answers and exceptions.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createEventBridgeScheduler,
  createSnsPublisher,
  createSqsQueueSender,
} from '../../functions/shared/aws-ports';
import { SecretUnavailableError, secretsManagerSource } from '../../functions/shared/secrets';
import type { AwsCall } from '../../local/aws-calls';
import { LocalAwsClients } from '../../local/aws-clients';
import { InProcessAws } from '../../local/aws-services';
import { frozenClock } from '../../local/clock';
import { InjectedFaultError } from '../../local/errors';
import { localResources } from '../../local/names';
import { Outbox } from '../../local/outbox';
import { LocalQueue } from '../../local/queues';
import { LocalScheduler } from '../../local/scheduler';
import { LocalSnsRouter, type Notification } from '../../local/sns-router';
import { WorkTracker } from '../../local/tracker';

const resources = localResources();
const SCHEDULE = {
  groupName: resources.scheduleGroup,
  targetArn: resources.functions.release,
  roleArn: 'arn:aws:iam::000000000000:role/herald-local-scheduler',
  deadLetterArn: 'arn:aws:sqs:eu-west-2:000000000000:herald-local-scheduler-dead-letter',
};

describe('the in-process AWS services', () => {
  let dir: string;
  let aws: LocalAwsClients;
  let calls: AwsCall[];
  let denied: string | undefined;
  let published: Notification[];
  let received: string[];
  let fired: string[];
  let scheduler: LocalScheduler;
  let tracker: WorkTracker;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'herald-aws-services-'));
    tracker = new WorkTracker();
    calls = [];
    denied = undefined;
    published = [];
    received = [];
    fired = [];
    const deadLetter = async () => undefined;
    const router = new LocalSnsRouter({ tracker, deadLetter, onPublish: (n) => published.push(n) });
    const queue = new LocalQueue({
      name: 'send',
      tracker,
      deadLetter,
      consumer: async (event) => {
        received.push(...event.Records.map((r) => r.body));
        return undefined;
      },
    });
    scheduler = new LocalScheduler({
      clock: frozenClock(new Date('2024-02-20T09:00:00Z')),
      tracker,
      deadLetter,
      fire: async (payload) => void fired.push(payload),
    });
    const services = new InProcessAws({
      router,
      queues: [queue],
      scheduler,
      secrets: [{ arn: resources.secrets['unsubscribe-key'], name: 'u', value: 'hmac-key' }],
    });
    aws = new LocalAwsClients({
      // Never contacted: these tests make no S3, SES or DynamoDB client.
      endpoints: {
        s3: 'http://127.0.0.1:9',
        ses: 'http://127.0.0.1:9',
        dynamodb: 'http://127.0.0.1:9',
      },
      services,
      outbox: new Outbox(dir),
      onAwsCall: (call) => {
        calls.push(call);
        if (denied === call.command) throw new InjectedFaultError(`AccessDenied: ${call.command}`);
      },
    });
  });

  afterEach(async () => {
    aws.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  const clients = () => aws.factoryFor('test-function');

  it('publishes to a topic by its ARN and answers with the message id', async () => {
    // Prepare
    const publisher = createSnsPublisher(clients().create(SNSClient, {}), {
      ops: resources.topics.ops,
    });

    // Act
    const { messageId } = await publisher.publish({ topic: 'ops', subject: 'Hello', body: 'Text' });

    // Assess
    expect(published).toEqual([
      expect.objectContaining({ messageId, topic: 'ops', subject: 'Hello', body: 'Text' }),
    ]);
    expect(calls).toEqual([
      {
        function: 'test-function',
        service: 'sns',
        command: 'Publish',
        input: { TopicArn: resources.topics.ops, Subject: 'Hello', Message: 'Text' },
      },
    ]);
  });

  it('refuses an unknown topic and a subject SNS would refuse, as SNS does', async () => {
    // Prepare
    const sns = clients().create(SNSClient, {});
    const unknown = createSnsPublisher(sns, { ops: 'arn:aws:sns:eu-west-2:000000000000:nope' });
    const ops = createSnsPublisher(sns, { ops: resources.topics.ops });

    // Act + Assess
    await expect(unknown.publish({ topic: 'ops', body: 'x' })).rejects.toMatchObject({
      name: 'NotFoundException',
    });
    await expect(
      ops.publish({ topic: 'ops', subject: 'Two\nlines', body: 'x' }),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
    expect(published).toEqual([]);
  });

  it('sends a long batch to a queue by its URL, ten entries per call, in order', async () => {
    // Prepare
    const sender = createSqsQueueSender(clients().create(SQSClient, {}), {
      send: resources.queues.send.url,
    });
    const bodies = Array.from({ length: 23 }, (_, i) => `message ${i}`);

    // Act
    await sender.sendBatch('send', bodies);
    await tracker.idle();

    // Assess
    expect(received).toEqual(bodies);
    expect(calls.map((c) => c.command)).toEqual([
      'SendMessageBatch',
      'SendMessageBatch',
      'SendMessageBatch',
    ]);
  });

  it('refuses an unknown queue with QueueDoesNotExist', async () => {
    const sender = createSqsQueueSender(clients().create(SQSClient, {}), {
      send: 'https://sqs.eu-west-2.amazonaws.com/000000000000/nope',
    });

    await expect(sender.sendBatch('send', ['x'])).rejects.toMatchObject({
      name: 'QueueDoesNotExist',
    });
  });

  it('creates and deletes schedules idempotently through the conflicts and not-founds the scheduler answers', async () => {
    // Prepare
    const releases = createEventBridgeScheduler(clients().create(SchedulerClient, {}), SCHEDULE);
    const schedule = { name: 'herald-x-r1', at: '2024-02-21T00:01:00.000Z', payload: '{"id":"x"}' };

    // Act
    await releases.create(schedule);
    await releases.create(schedule);
    const pending = scheduler.pending();
    await releases.delete(schedule.name);
    await releases.delete(schedule.name);

    // Assess
    expect(pending).toEqual([schedule]);
    expect(scheduler.pending()).toEqual([]);
    expect(calls.map((c) => c.command)).toEqual([
      'CreateSchedule',
      'CreateSchedule',
      'DeleteSchedule',
      'DeleteSchedule',
    ]);
  });

  it('fires a schedule at its lift with the payload as the input', async () => {
    const releases = createEventBridgeScheduler(clients().create(SchedulerClient, {}), SCHEDULE);
    await releases.create({ name: 'herald-y-r1', at: '2024-02-20T10:00:00.250Z', payload: 'P' });

    scheduler.advanceTo(new Date('2024-02-20T10:00:00.500Z'));
    await tracker.idle();
    expect(fired).toEqual([]);
    // at() has whole seconds, rounded up: the schedule is never earlier than the lift.
    scheduler.advanceTo(new Date('2024-02-20T10:00:01Z'));
    await tracker.idle();
    expect(fired).toEqual(['P']);
  });

  it('refuses a schedule in a group that does not exist', async () => {
    const releases = createEventBridgeScheduler(clients().create(SchedulerClient, {}), {
      ...SCHEDULE,
      groupName: 'default',
    });

    await expect(
      releases.create({ name: 'herald-z-r1', at: '2024-02-21T00:01:00.000Z', payload: '{}' }),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('reads a secret by its ARN; an unknown secret is unavailable', async () => {
    const secretsManager = clients().create(SecretsManagerClient, {});

    await expect(
      secretsManagerSource(secretsManager, resources.secrets['unsubscribe-key']).get(),
    ).resolves.toBe('hmac-key');
    const missing = secretsManagerSource(secretsManager, resources.secrets['webhook-secret']).get();
    await expect(missing).rejects.toBeInstanceOf(SecretUnavailableError);
    await expect(missing).rejects.toMatchObject({
      cause: { name: 'ResourceNotFoundException' },
    });
  });

  it('fails a call the call listener refuses, before the service sees it', async () => {
    // Prepare
    denied = 'Publish';
    const publisher = createSnsPublisher(clients().create(SNSClient, {}), {
      ops: resources.topics.ops,
    });

    // Act + Assess
    await expect(publisher.publish({ topic: 'ops', body: 'x' })).rejects.toThrow(
      'AccessDenied: Publish',
    );
    expect(published).toEqual([]);
  });
});
