/**
 * SQS queues with Herald's defaults: encrypted with the messaging key, TLS-only,
 * and every dead-letter queue watched by an alarm that tells the ops topic
 * ("Nothing lost", docs/architecture.md: every failure ends in a retry, a DLQ with an alarm,
 * or a rejected file).
 */
import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  type IAlarmAction,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { type ITopic, Subscription, SubscriptionProtocol } from 'aws-cdk-lib/aws-sns';
import { type IQueue, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge } from './nag';

export interface DeadLetterQueueProps {
  /** Customer-managed key the queue is encrypted with (SNS must be allowed to use it). */
  readonly encryptionKey: IKey;
  /** Where the "messages are waiting" alarm goes. */
  readonly alarmAction: IAlarmAction;
  /** What ends up here, in words: used in the alarm description and the nag acknowledgement. */
  readonly purpose: string;
  /**
   * Whether the queue is referenced by another queue's redrive policy. cdk-nag SQS3
   * only recognises that case as a DLQ, so other DLQs (SNS subscription, Lambda
   * on-failure, Scheduler) acknowledge SQS3 with `purpose` as the reason.
   * @default false
   */
  readonly isRedriveTarget?: boolean;
}

/** A dead-letter queue (14 days' retention, the SQS maximum) with its alarm. */
export class DeadLetterQueue extends Construct {
  readonly queue: Queue;
  readonly alarm: Alarm;

  constructor(scope: Construct, id: string, props: DeadLetterQueueProps) {
    super(scope, id);
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: props.encryptionKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.alarm = new Alarm(this, 'MessagesWaiting', {
      alarmDescription: `Herald: a message is waiting in a dead-letter queue (${props.purpose}). Inspect it, fix the cause, then redrive (docs/deploy.md).`,
      metric: this.queue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.alarm.addAlarmAction(props.alarmAction);
    if (!props.isRedriveTarget) {
      acknowledge(
        this.queue,
        ['AwsSolutions-SQS3'],
        `This queue is itself a dead-letter queue: ${props.purpose}.`,
      );
    }
  }
}

export interface WorkQueueProps {
  /** Customer-managed key for the queue and its DLQ. */
  readonly encryptionKey: IKey;
  /** Where the DLQ alarm goes. */
  readonly alarmAction: IAlarmAction;
  /** Visibility timeout: at least 6× the consuming function's timeout (AWS guidance). */
  readonly visibilityTimeout: Duration;
  /** What the queue carries, in words (for the DLQ alarm). */
  readonly purpose: string;
  /**
   * Receives before a message moves to the DLQ.
   * @default 5
   */
  readonly maxReceiveCount?: number;
}

/** A work queue with its dead-letter queue and alarm. */
export class WorkQueue extends Construct {
  readonly queue: Queue;
  readonly deadLetter: DeadLetterQueue;

  constructor(scope: Construct, id: string, props: WorkQueueProps) {
    super(scope, id);
    this.deadLetter = new DeadLetterQueue(this, 'DeadLetter', {
      encryptionKey: props.encryptionKey,
      alarmAction: props.alarmAction,
      purpose: `${props.purpose} that failed ${props.maxReceiveCount ?? 5} times`,
      isRedriveTarget: true,
    });
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: props.encryptionKey,
      enforceSSL: true,
      visibilityTimeout: props.visibilityTimeout,
      retentionPeriod: Duration.days(4),
      deadLetterQueue: {
        queue: this.deadLetter.queue,
        maxReceiveCount: props.maxReceiveCount ?? 5,
      },
    });
  }

  /**
   * Subscribes this queue to `topic` with raw message delivery.
   *
   * Not `SqsSubscription`: that also adds a key-policy statement naming the topic
   * ARN, and since the topic is encrypted with the same key, key → topic → key is
   * a circular dependency. The key policy already lets sns.amazonaws.com use the
   * key for this account; the queue policy below limits senders to this topic.
   */
  subscribeTo(topic: ITopic, deadLetterQueue: IQueue): Subscription {
    const { policyDependable } = this.queue.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('sns.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [this.queue.queueArn],
        conditions: { ArnEquals: { 'aws:SourceArn': topic.topicArn } },
      }),
    );
    const subscription = new Subscription(this, 'Subscription', {
      topic,
      protocol: SubscriptionProtocol.SQS,
      endpoint: this.queue.queueArn,
      rawMessageDelivery: true,
      deadLetterQueue,
    });
    // SNS checks it may deliver when the subscription is created.
    if (policyDependable) subscription.node.addDependency(policyDependable);
    return subscription;
  }
}
