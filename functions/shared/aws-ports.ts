/**
 * AWS implementations of the messaging ports (functions/shared/ports.ts):
 * SNS for topics (sns-publisher.ts), SQS for queues, EventBridge Scheduler for embargo lifts.
 * The local stack runs these too, on SDK clients it answers in process.
 */
import {
  CreateScheduleCommand,
  DeleteScheduleCommand,
  type SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { DestinationNotConfiguredError, isAwsError, QueueSendError } from './errors';
import type { QueueName, QueueSender, ReleaseSchedule, ReleaseScheduler } from './ports';

export { createSnsPublisher } from './sns-publisher';

/** SendMessageBatch takes at most 10 entries per call. */
const SQS_BATCH_LIMIT = 10;

export function createSqsQueueSender(
  sqs: SQSClient,
  queueUrls: Partial<Record<QueueName, string>>,
): QueueSender {
  return {
    async sendBatch(queue, bodies) {
      const url = queueUrls[queue];
      if (!url) throw new DestinationNotConfiguredError(`no URL configured for the ${queue} queue`);
      for (let start = 0; start < bodies.length; start += SQS_BATCH_LIMIT) {
        const chunk = bodies.slice(start, start + SQS_BATCH_LIMIT);
        const result = await sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: url,
            Entries: chunk.map((body, i) => ({ Id: String(start + i), MessageBody: body })),
          }),
        );
        const failed = result.Failed ?? [];
        if (failed.length > 0) {
          throw new QueueSendError(
            queue,
            failed.map((f) => ({ id: f.Id ?? '?', code: f.Code ?? '?', message: f.Message ?? '' })),
          );
        }
      }
    },
  };
}

export interface SchedulerOptions {
  groupName: string;
  /** The release function's ARN. */
  targetArn: string;
  /** Role the scheduler assumes to invoke the target (trusts scheduler.amazonaws.com). */
  roleArn: string;
  /** SQS queue for events Scheduler could not deliver to Lambda after its retries. */
  deadLetterArn: string;
  /**
   * How long EventBridge Scheduler keeps trying to hand the event to Lambda (throttled,
   * Lambda unavailable). It does not cover the release failing: Lambda accepts the
   * event as an asynchronous invocation, so a function error gets Lambda's async
   * retries (two) and then the release function's on-failure queue.
   * @default 185 attempts over 24 hours (the maximum)
   */
  retryPolicy?: { maximumEventAgeInSeconds: number; maximumRetryAttempts: number };
}

/**
 * `at()` takes `yyyy-mm-ddThh:mm:ss` without zone or milliseconds. Rounded up
 * to the whole second so the schedule can never be earlier than the lift.
 */
export function atExpression(instant: string): string {
  const ms = Date.parse(instant);
  const rounded = new Date(Math.ceil(ms / 1000) * 1000);
  return `at(${rounded.toISOString().slice(0, 19)})`;
}

export function createEventBridgeScheduler(
  scheduler: SchedulerClient,
  options: SchedulerOptions,
): ReleaseScheduler {
  const retry = options.retryPolicy ?? {
    maximumEventAgeInSeconds: 86_400,
    maximumRetryAttempts: 185,
  };
  return {
    async create(schedule: ReleaseSchedule) {
      try {
        await scheduler.send(
          new CreateScheduleCommand({
            Name: schedule.name,
            GroupName: options.groupName,
            ScheduleExpression: atExpression(schedule.at),
            ScheduleExpressionTimezone: 'UTC',
            FlexibleTimeWindow: { Mode: 'OFF' },
            ActionAfterCompletion: 'DELETE',
            Target: {
              Arn: options.targetArn,
              RoleArn: options.roleArn,
              Input: schedule.payload,
              DeadLetterConfig: { Arn: options.deadLetterArn },
              RetryPolicy: {
                MaximumEventAgeInSeconds: retry.maximumEventAgeInSeconds,
                MaximumRetryAttempts: retry.maximumRetryAttempts,
              },
            },
          }),
        );
      } catch (err) {
        // The name is deterministic per statement revision, so it exists only if we made it.
        if (isAwsError(err, 'ConflictException')) return;
        throw err;
      }
    },
    async delete(name: string) {
      try {
        await scheduler.send(
          new DeleteScheduleCommand({ Name: name, GroupName: options.groupName }),
        );
      } catch (err) {
        // Already fired (ActionAfterCompletion DELETE) or never created.
        if (isAwsError(err, 'ResourceNotFoundException')) return;
        throw err;
      }
    },
  };
}
