/**
 * QueueConsumer on its own, in a stack of its own: two functions, each fed by its
 * own queue (one through a topic, one directly), so the tests can check what each
 * function's queue, dead-letter queue, alarm and role hold, and that neither
 * function may touch the other's queue. Bundling is skipped.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { HeraldFunction } from '../../lib/constructs/herald-function';
import { QueueConsumer, visibilityTimeoutFor } from '../../lib/constructs/queue-consumer';
import { CDK_JSON_CONTEXT } from './helpers';
import {
  actions,
  arnOf,
  type CfnResource,
  type Json,
  logicalId,
  type PolicyStatementJson,
  ref,
  resourceList,
  resources,
  resourcesOfType,
  roleStatements,
} from './template';

const app = new App({ context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
const stack = new Stack(app, 'Consumers');
const key = new Key(stack, 'Key');
const alarms = new Topic(stack, 'Alarms');
const jobs = new Topic(stack, 'Jobs');
const deliveryDeadLetter = new Queue(stack, 'DeliveryDeadLetter');

const fedByTopic = new HeraldFunction(stack, 'FedByTopic', {
  name: 'dispatch',
  timeout: Duration.minutes(5),
});
const topicConsumer = new QueueConsumer(stack, 'TopicConsumer', {
  fn: fedByTopic,
  encryptionKey: key,
  alarmAction: new SnsAction(alarms),
  purpose: 'press jobs',
  batchSize: 1,
  source: { topic: jobs, deadLetterQueue: deliveryDeadLetter },
});

const fedDirectly = new HeraldFunction(stack, 'FedDirectly', { name: 'send' });
const directConsumer = new QueueConsumer(stack, 'DirectConsumer', {
  fn: fedDirectly,
  encryptionKey: key,
  alarmAction: new SnsAction(alarms),
  purpose: 'batches',
  batchSize: 10,
  maxConcurrency: 3,
  maxReceiveCount: 3,
});

const template = Template.fromStack(stack);
const all = resources(template);
const resource = (id: string): CfnResource => {
  const r = all[id];
  if (!r) throw new Error(`no resource ${id}`);
  return r;
};
// The topic consumer sets no receive count: 5 is the default.
const consumers = [
  { name: 'fed by a topic', consumer: topicConsumer, fn: fedByTopic, maxReceiveCount: 5 },
  { name: 'fed directly', consumer: directConsumer, fn: fedDirectly, maxReceiveCount: 3 },
] as const;

function eventSourceOf(fn: HeraldFunction): Json {
  const mappings = resourcesOfType(template, 'AWS::Lambda::EventSourceMapping').filter(
    ([, r]) => JSON.stringify(r.Properties?.FunctionName) === JSON.stringify(ref(logicalId(fn))),
  );
  expect(mappings).toHaveLength(1);
  return mappings[0]?.[1].Properties ?? {};
}

function queuePolicyStatements(queueId: string): PolicyStatementJson[] {
  return resourcesOfType(template, 'AWS::SQS::QueuePolicy')
    .filter(([, r]) =>
      ((r.Properties?.Queues as unknown[] | undefined) ?? []).some(
        (q) => JSON.stringify(q) === JSON.stringify(ref(queueId)),
      ),
    )
    .flatMap(
      ([, r]) =>
        (r.Properties?.PolicyDocument as { Statement?: PolicyStatementJson[] } | undefined)
          ?.Statement ?? [],
    );
}

describe('QueueConsumer', () => {
  it('reads its queue through an event source that reports batch item failures', () => {
    expect(eventSourceOf(fedByTopic)).toEqual({
      FunctionName: ref(logicalId(fedByTopic)),
      EventSourceArn: arnOf(logicalId(topicConsumer.queue)),
      BatchSize: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('passes on the batch size and bounds concurrency only when asked to', () => {
    expect(eventSourceOf(fedDirectly)).toMatchObject({
      EventSourceArn: arnOf(logicalId(directConsumer.queue)),
      BatchSize: 10,
      ScalingConfig: { MaximumConcurrency: 3 },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect(eventSourceOf(fedByTopic)).not.toHaveProperty('ScalingConfig');
  });

  it.each(consumers)(
    'moves a message to its own dead-letter queue after the receive count ($name)',
    ({ consumer, maxReceiveCount }) => {
      expect(resource(logicalId(consumer.queue)).Properties?.RedrivePolicy).toEqual({
        deadLetterTargetArn: arnOf(logicalId(consumer.deadLetter.queue)),
        maxReceiveCount,
      });
    },
  );

  it.each(consumers)(
    'keeps messages 4 days and dead letters 14, encrypted with the key ($name)',
    ({ consumer }) => {
      expect(resource(logicalId(consumer.queue)).Properties).toMatchObject({
        MessageRetentionPeriod: 4 * 24 * 3600,
        KmsMasterKeyId: arnOf(logicalId(key)),
      });
      expect(resource(logicalId(consumer.deadLetter.queue)).Properties).toMatchObject({
        MessageRetentionPeriod: 14 * 24 * 3600,
        KmsMasterKeyId: arnOf(logicalId(key)),
      });
    },
  );

  it.each(consumers)(
    'alarms when a message waits in its dead-letter queue ($name)',
    ({ consumer, maxReceiveCount }) => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Namespace: 'AWS/SQS',
        Dimensions: [
          {
            Name: 'QueueName',
            Value: { 'Fn::GetAtt': [logicalId(consumer.deadLetter.queue), 'QueueName'] },
          },
        ],
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        AlarmActions: [ref(logicalId(alarms))],
        AlarmDescription: Match.stringLikeRegexp(`failed ${maxReceiveCount} times`),
      });
    },
  );

  it.each(consumers)(
    'refuses requests without TLS on the queue and its dead-letter queue ($name)',
    ({ consumer }) => {
      for (const queue of [consumer.queue, consumer.deadLetter.queue]) {
        const id = logicalId(queue);
        expect(queuePolicyStatements(id)).toContainEqual(
          expect.objectContaining({
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 'sqs:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            Resource: arnOf(id),
          }),
        );
      }
    },
  );

  it.each(consumers)(
    'hides a message for 6× the function timeout while it is worked on ($name)',
    ({ consumer, fn }) => {
      const timeout = resource(logicalId(fn)).Properties?.Timeout as number;
      expect(resource(logicalId(consumer.queue)).Properties?.VisibilityTimeout).toBe(6 * timeout);
    },
  );

  it('caps the visibility timeout at the SQS maximum of 12 hours', () => {
    expect(visibilityTimeoutFor(Duration.minutes(15)).toSeconds()).toBe(5_400);
    expect(visibilityTimeoutFor(Duration.hours(3)).toSeconds()).toBe(43_200);
  });

  it.each(consumers)(
    'lets its function receive and delete from its own queue only ($name)',
    ({ consumer, fn }) => {
      const statements = roleStatements(template, logicalId(fn.executionRole));
      const sqs = statements.filter((s) => actions(s).some((a) => a.startsWith('sqs:')));
      expect(sqs.flatMap(actions)).toEqual(
        expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage']),
      );
      for (const statement of sqs) {
        expect(resourceList(statement)).toEqual([arnOf(logicalId(consumer.queue))]);
        expect(actions(statement)).not.toContain('sqs:SendMessage');
      }
      // Decrypting what it receives: on the queue's key, nothing else.
      const kms = statements.filter((s) => actions(s).some((a) => a.startsWith('kms:')));
      expect(kms.flatMap(actions)).toContain('kms:Decrypt');
      for (const statement of kms) {
        expect(resourceList(statement)).toEqual([arnOf(logicalId(key))]);
      }
    },
  );

  it('subscribes a queue fed by a topic with raw delivery and a dead-letter queue', () => {
    const subscriptions = resourcesOfType(template, 'AWS::SNS::Subscription');
    expect(subscriptions.map(([, r]) => r.Properties)).toEqual([
      {
        Protocol: 'sqs',
        TopicArn: ref(logicalId(jobs)),
        Endpoint: arnOf(logicalId(topicConsumer.queue)),
        RawMessageDelivery: true,
        RedrivePolicy: { deadLetterTargetArn: arnOf(logicalId(deliveryDeadLetter)) },
      },
    ]);
    expect(directConsumer.subscription).toBeUndefined();
  });

  it('lets only its topic send to a queue fed by a topic, before SNS subscribes it', () => {
    const queueId = logicalId(topicConsumer.queue);
    const allows = queuePolicyStatements(queueId).filter((s) => s.Effect === 'Allow');
    expect(allows).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'sns.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: arnOf(queueId),
        Condition: { ArnEquals: { 'aws:SourceArn': ref(logicalId(jobs)) } },
      },
    ]);
    const [policyId] = resourcesOfType(template, 'AWS::SQS::QueuePolicy')
      .filter(([, r]) => JSON.stringify(r.Properties?.Queues) === JSON.stringify([ref(queueId)]))
      .map(([id]) => id);
    const [[, subscription] = []] = resourcesOfType(template, 'AWS::SNS::Subscription');
    expect((subscription as { DependsOn?: string[] } | undefined)?.DependsOn).toContain(policyId);
  });

  it('allows no sender in the policy of a queue fed directly (senders get grants instead)', () => {
    const allows = queuePolicyStatements(logicalId(directConsumer.queue)).filter(
      (s) => s.Effect === 'Allow',
    );
    expect(allows).toEqual([]);
  });
});
