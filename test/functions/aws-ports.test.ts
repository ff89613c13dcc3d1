import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  atExpression,
  createEventBridgeScheduler,
  createSnsPublisher,
  createSqsQueueSender,
} from '../../functions/shared/aws-ports';
import { DestinationNotConfiguredError, QueueSendError } from '../../functions/shared/errors';

const config = { region: 'eu-west-2', credentials: { accessKeyId: 't', secretAccessKey: 't' } };
const sns = new SNSClient(config);
const sqs = new SQSClient(config);
const scheduler = new SchedulerClient(config);
const snsMock = mockClient(sns);
const sqsMock = mockClient(sqs);
const schedulerMock = mockClient(scheduler);

const PARTNERS_ARN = 'arn:aws:sns:eu-west-2:123456789012:herald-partners';

beforeEach(() => {
  snsMock.reset();
  sqsMock.reset();
  schedulerMock.reset();
});

describe('SNS publisher', () => {
  it('publishes to the ARN of the named topic with attributes and subject', async () => {
    // Prepare
    snsMock.on(PublishCommand).resolves({ MessageId: 'abc' });
    const publisher = createSnsPublisher(sns, { partners: PARTNERS_ARN });
    const attributes = { type: { DataType: 'String' as const, StringValue: 'statement.released' } };

    // Act
    const result = await publisher.publish({
      topic: 'partners',
      body: '{}',
      attributes,
      subject: 'Hi',
    });

    // Assess
    expect(result).toEqual({ messageId: 'abc' });
    expect(snsMock).toHaveReceivedCommandWith(PublishCommand, {
      TopicArn: PARTNERS_ARN,
      Message: '{}',
      Subject: 'Hi',
      MessageAttributes: attributes,
    });
  });

  it('refuses a topic the function was not configured with', async () => {
    // Prepare
    const publisher = createSnsPublisher(sns, { partners: PARTNERS_ARN });

    // Act
    const result = publisher.publish({ topic: 'press', body: '{}' });

    // Assess
    await expect(result).rejects.toBeInstanceOf(DestinationNotConfiguredError);
    expect(snsMock).not.toHaveReceivedCommand(PublishCommand);
  });
});

describe('SQS queue sender', () => {
  it('sends in batches of at most 10', async () => {
    // Prepare
    sqsMock.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    const sender = createSqsQueueSender(sqs, {
      send: 'https://sqs.eu-west-2.amazonaws.com/1/send',
    });

    // Act
    await sender.sendBatch(
      'send',
      Array.from({ length: 23 }, (_, i) => `m${i}`),
    );

    // Assess
    const sizes = sqsMock
      .commandCalls(SendMessageBatchCommand)
      .map((c) => c.args[0].input.Entries?.length);
    expect(sizes).toEqual([10, 10, 3]);
  });

  it('throws QueueSendError when SQS refuses entries', async () => {
    // Prepare
    sqsMock.on(SendMessageBatchCommand).resolves({
      Successful: [],
      Failed: [{ Id: '1', Code: 'InternalError', SenderFault: false }],
    });
    const sender = createSqsQueueSender(sqs, {
      send: 'https://sqs.eu-west-2.amazonaws.com/1/send',
    });

    // Act
    const result = sender.sendBatch('send', ['a', 'b']);

    // Assess
    await expect(result).rejects.toBeInstanceOf(QueueSendError);
  });
});

describe('EventBridge scheduler', () => {
  const options = {
    groupName: 'herald',
    targetArn: 'arn:aws:lambda:eu-west-2:123456789012:function:herald-release',
    roleArn: 'arn:aws:iam::123456789012:role/herald-scheduler',
    deadLetterArn: 'arn:aws:sqs:eu-west-2:123456789012:herald-scheduler-dlq',
  };

  it('writes at() in UTC without zone or milliseconds, rounding up to the second', () => {
    expect(atExpression('2024-02-21T00:01:00.000Z')).toBe('at(2024-02-21T00:01:00)');
    expect(atExpression('2024-02-21T00:01:00.250Z')).toBe('at(2024-02-21T00:01:01)');
  });

  it('creates a one-time schedule that invokes release and deletes itself', async () => {
    // Prepare
    schedulerMock.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:x' });
    const port = createEventBridgeScheduler(scheduler, options);

    // Act
    await port.create({
      name: 'herald-x-r1-abc123',
      at: '2024-02-21T00:01:00.000Z',
      payload: '{"id":"x"}',
    });

    // Assess
    expect(schedulerMock).toHaveReceivedCommandWith(CreateScheduleCommand, {
      Name: 'herald-x-r1-abc123',
      GroupName: 'herald',
      ScheduleExpression: 'at(2024-02-21T00:01:00)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      Target: {
        Arn: options.targetArn,
        RoleArn: options.roleArn,
        Input: '{"id":"x"}',
        DeadLetterConfig: { Arn: options.deadLetterArn },
        RetryPolicy: { MaximumEventAgeInSeconds: 86_400, MaximumRetryAttempts: 185 },
      },
    });
  });

  it('treats an existing schedule of the same name as already created', async () => {
    // Prepare
    schedulerMock
      .on(CreateScheduleCommand)
      .rejects(new ConflictException({ message: 'exists', Message: 'exists', $metadata: {} }));
    const port = createEventBridgeScheduler(scheduler, options);

    // Act
    const result = port.create({ name: 'n', at: '2024-02-21T00:01:00.000Z', payload: '{}' });

    // Assess
    await expect(result).resolves.toBeUndefined();
  });

  it('treats deleting a missing schedule as done', async () => {
    // Prepare
    schedulerMock
      .on(DeleteScheduleCommand)
      .rejects(new ResourceNotFoundException({ message: 'gone', Message: 'gone', $metadata: {} }));
    const port = createEventBridgeScheduler(scheduler, options);

    // Act
    const result = port.delete('n');

    // Assess
    await expect(result).resolves.toBeUndefined();
    expect(schedulerMock).toHaveReceivedCommandWith(DeleteScheduleCommand, {
      Name: 'n',
      GroupName: 'herald',
    });
  });
});
