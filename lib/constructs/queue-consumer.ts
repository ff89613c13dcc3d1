/**
 * A function fed by its own work queue: the queue (retention 4 days, visibility
 * from the function's timeout), its dead-letter queue with the alarm, the SQS
 * event source that reports batch item failures (a failed message is retried on
 * its own, the others in the batch are not), and, when a topic feeds the queue,
 * the raw-delivery subscription. The event source grants the function receive,
 * delete and decrypt on this queue only (CDK's grantConsumeMessages).
 */
import { Duration } from 'aws-cdk-lib';
import type { IAlarmAction } from 'aws-cdk-lib/aws-cloudwatch';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { type ITopic, Subscription, SubscriptionProtocol } from 'aws-cdk-lib/aws-sns';
import type { IQueue, Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { HeraldFunction } from './herald-function';
import { DeadLetterQueue, encryptedQueue } from './queues';

/** Receives before a message moves to the dead-letter queue, unless a consumer says otherwise. */
export const DEFAULT_MAX_RECEIVE_COUNT = 5;

/** SQS's longest visibility timeout (12 hours). */
const MAX_VISIBILITY_SECONDS = 43_200;

/**
 * The visibility timeout for a queue a function consumes: 6× the function's timeout
 * (AWS guidance: room for the retries Lambda's poller makes on a throttled batch).
 */
export function visibilityTimeoutFor(functionTimeout: Duration): Duration {
  return Duration.seconds(Math.min(MAX_VISIBILITY_SECONDS, functionTimeout.toSeconds() * 6));
}

/** A topic that delivers into the queue, and where SNS puts what it could not deliver. */
export interface QueueSource {
  readonly topic: ITopic;
  readonly deadLetterQueue: IQueue;
}

export interface QueueConsumerProps {
  /** The function that consumes the queue. */
  readonly fn: HeraldFunction;
  /** Customer-managed key for the queue and its DLQ. */
  readonly encryptionKey: IKey;
  /** Where the DLQ alarm goes. */
  readonly alarmAction: IAlarmAction;
  /** What the queue carries, in words (for the DLQ alarm). */
  readonly purpose: string;
  /** Messages per invocation. */
  readonly batchSize: number;
  /**
   * Instances of the function the event source may run at once (Lambda's minimum is 2).
   * @default - no limit but the account's
   */
  readonly maxConcurrency?: number;
  /**
   * Receives before a message moves to the DLQ.
   * @default DEFAULT_MAX_RECEIVE_COUNT
   */
  readonly maxReceiveCount?: number;
  /**
   * The topic that feeds the queue, subscribed with raw delivery.
   * @default - none: the queue is fed directly (sqs:SendMessage grants)
   */
  readonly source?: QueueSource;
}

export class QueueConsumer extends Construct {
  readonly queue: Queue;
  readonly deadLetter: DeadLetterQueue;
  /** Only when a `source` topic feeds the queue. */
  readonly subscription: Subscription | undefined;

  constructor(scope: Construct, id: string, props: QueueConsumerProps) {
    super(scope, id);
    const maxReceiveCount = props.maxReceiveCount ?? DEFAULT_MAX_RECEIVE_COUNT;
    this.deadLetter = new DeadLetterQueue(this, 'DeadLetter', {
      encryptionKey: props.encryptionKey,
      alarmAction: props.alarmAction,
      purpose: `${props.purpose} that failed ${maxReceiveCount} times`,
      isRedriveTarget: true,
    });
    this.queue = encryptedQueue(this, 'Queue', props.encryptionKey, {
      visibilityTimeout: visibilityTimeoutFor(props.fn.timeout ?? Duration.seconds(3)),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetter.queue, maxReceiveCount },
    });
    this.subscription = props.source ? this.subscribeTo(props.source) : undefined;
    props.fn.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: props.batchSize,
        ...(props.maxConcurrency === undefined ? {} : { maxConcurrency: props.maxConcurrency }),
        reportBatchItemFailures: true,
      }),
    );
  }

  /**
   * Subscribes the queue to the source topic with raw message delivery.
   *
   * Not `SqsSubscription`: that also adds a key-policy statement naming the topic
   * ARN, and since the topic is encrypted with the same key, key → topic → key is
   * a circular dependency. The key policy already lets sns.amazonaws.com use the
   * key for this account; the queue policy below limits senders to this topic.
   */
  private subscribeTo({ topic, deadLetterQueue }: QueueSource): Subscription {
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
