/**
 * SQS queues with Herald's defaults: encrypted with the messaging key, TLS-only,
 * and every dead-letter queue watched by an alarm that tells the ops topic
 * ("Nothing lost", docs/architecture.md: every failure ends in a retry, a DLQ with an alarm,
 * or a rejected file). Work queues and their consumers: queue-consumer.ts.
 */
import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  type IAlarmAction,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Queue, QueueEncryption, type QueueProps } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge } from './nag';

/** What an encrypted queue may still set: everything but encryption and TLS. */
export type EncryptedQueueProps = Omit<
  QueueProps,
  'encryption' | 'encryptionMasterKey' | 'enforceSSL'
>;

/**
 * A queue encrypted with `key` (a customer-managed key, so SNS and CloudWatch can use it)
 * whose policy refuses requests without TLS.
 */
export function encryptedQueue(
  scope: Construct,
  id: string,
  key: IKey,
  props: EncryptedQueueProps,
): Queue {
  return new Queue(scope, id, {
    encryption: QueueEncryption.KMS,
    encryptionMasterKey: key,
    enforceSSL: true,
    ...props,
  });
}

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
    this.queue = encryptedQueue(this, 'Queue', props.encryptionKey, {
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
