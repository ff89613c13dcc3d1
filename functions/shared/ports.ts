/**
 * The side-effect ports the handlers call for messaging and scheduling.
 *
 * S3, SES and DynamoDB are reached through the SDK clients directly. SNS, SQS and
 * EventBridge Scheduler are reached through these small interfaces, which wrap the SDK
 * clients (functions/shared/aws-ports.ts), so handler tests can pass fakes. The local
 * stack uses the same adapters: its SDK clients are answered in process (local/).
 */
import type { SnsMessageAttributes } from '../../core/types';

/** `approvals` carries approval decisions from the approval function to ingest. */
export type TopicName = 'press' | 'partners' | 'website' | 'ops' | 'approvals';

export interface PublishRequest {
  topic: TopicName;
  /** The message body (JSON text for machine topics, plain text for ops). */
  body: string;
  attributes?: SnsMessageAttributes;
  /** Subject line for email subscribers (ops); ≤ 100 ASCII characters. */
  subject?: string;
}

export interface Publisher {
  /** Resolves with the message id once the topic has accepted the message. */
  publish(request: PublishRequest): Promise<{ messageId: string }>;
}

export type QueueName = 'send';

export interface QueueSender {
  /** Enqueues bodies (≤ 10 per call is the caller's concern only in AWS; adapters split). */
  sendBatch(queue: QueueName, bodies: string[]): Promise<void>;
}

export interface ReleaseSchedule {
  /** Deterministic per statement revision, [0-9a-zA-Z-_.], ≤ 64 characters. */
  name: string;
  /** Lift instant, ISO 8601 UTC. */
  at: string;
  /** The ReleaseRequest JSON handed to `release` when it fires. */
  payload: string;
}

export interface ReleaseScheduler {
  /** Creates the one-time schedule; creating an existing name is a no-op (idempotent). */
  create(schedule: ReleaseSchedule): Promise<void>;
  /** Deletes it; deleting a missing schedule is a no-op. */
  delete(name: string): Promise<void>;
}

/**
 * A publisher made on its first publish, for a function that rarely publishes: with
 * `make` importing the SNS client dynamically, a cold start does not load it.
 */
export function lazyPublisher(make: () => Promise<Publisher>): Publisher {
  let made: Promise<Publisher> | undefined;
  return {
    async publish(request) {
      made ??= make();
      return (await made).publish(request);
    },
  };
}
