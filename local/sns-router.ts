/**
 * The local SNS topics: the functions' SNSClient Publish calls are answered in process
 * (local/aws-services.ts) by `publish` here, which fans each message out to its
 * subscriptions, applying SNS attribute filter policies (core/filter-policy). Deliveries
 * that fail are retried with backoff, like SNS's delivery policy, and then written to the
 * dead-letter sink.
 */
import { randomUUID } from 'node:crypto';
import { type FilterPolicy, matchesFilterPolicy } from '../core/filter-policy';
import type { SnsMessageAttributes } from '../core/types';
import type { Publisher, PublishRequest, TopicName } from '../functions/shared/ports';
import { LocalStackError } from './errors';
import { TOPIC_NAMES, topicArn } from './names';
import type { DeadLetter } from './queues';
import type { WorkTracker } from './tracker';

export { topicArn };

export interface Notification {
  messageId: string;
  topic: TopicName;
  body: string;
  subject?: string;
  attributes: SnsMessageAttributes;
  timestamp: string;
}

/** SNS's JSON delivery shape (HTTP/S, email-json, non-raw SQS). */
export interface SnsEnvelope {
  Type: 'Notification';
  MessageId: string;
  TopicArn: string;
  Subject?: string;
  Message: string;
  Timestamp: string;
  SignatureVersion: '1';
  Signature: string;
  SigningCertURL: string;
  UnsubscribeURL: string;
  MessageAttributes: Record<string, { Type: string; Value: string }>;
}

/** Attributes in the `{name: {Type, Value}}` form subscribers see. */
export function deliveredAttributes(
  attributes: SnsMessageAttributes,
): SnsEnvelope['MessageAttributes'] {
  return Object.fromEntries(
    Object.entries(attributes).map(([name, a]) => [
      name,
      { Type: a.DataType, Value: a.StringValue },
    ]),
  );
}

export function toSnsEnvelope(notification: Notification, subscriptionArn: string): SnsEnvelope {
  return {
    Type: 'Notification',
    MessageId: notification.messageId,
    TopicArn: topicArn(notification.topic),
    ...(notification.subject === undefined ? {} : { Subject: notification.subject }),
    Message: notification.body,
    Timestamp: notification.timestamp,
    SignatureVersion: '1',
    // Local deliveries are not signed; receivers here do not verify.
    Signature: 'local-unsigned',
    SigningCertURL: 'http://127.0.0.1/local-sns-unsigned.pem',
    UnsubscribeURL: `http://127.0.0.1/local-sns/unsubscribe?SubscriptionArn=${encodeURIComponent(subscriptionArn)}`,
    MessageAttributes: deliveredAttributes(notification.attributes),
  };
}

export interface DeliveryPolicy {
  /** Total attempts including the first (SNS HTTP default: 1 + 3 retries). */
  attempts: number;
  /** Delay before retry `n` (1-based). */
  delayMs: (retry: number) => number;
}

export interface LocalSubscription {
  topic: TopicName;
  name: string;
  filterPolicy?: FilterPolicy;
  deliver: (notification: Notification) => Promise<void>;
  /** Without a policy a failed delivery is dead-lettered at once (queues do not fail). */
  policy?: DeliveryPolicy;
}

export class UnknownTopicError extends LocalStackError {
  override name = 'UnknownTopicError';
}

export interface LocalSnsRouterOptions {
  tracker: WorkTracker;
  deadLetter: (letter: DeadLetter) => Promise<void>;
  now?: () => Date;
  /** Every accepted message, before fan-out (for summaries and tests). */
  onPublish?: (notification: Notification) => void;
}

export class LocalSnsRouter implements Publisher {
  private readonly subscriptions: LocalSubscription[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly now: () => Date;

  constructor(private readonly options: LocalSnsRouterOptions) {
    this.now = options.now ?? (() => new Date());
  }

  subscribe(subscription: LocalSubscription): void {
    this.subscriptions.push(subscription);
  }

  subscriptionArn(subscription: LocalSubscription): string {
    return `${topicArn(subscription.topic)}:${subscription.name}`;
  }

  async publish(request: PublishRequest): Promise<{ messageId: string }> {
    if (!TOPIC_NAMES.includes(request.topic)) {
      throw new UnknownTopicError(`There is no local topic named "${request.topic}".`);
    }
    const notification: Notification = {
      messageId: randomUUID(),
      topic: request.topic,
      body: request.body,
      ...(request.subject === undefined ? {} : { subject: request.subject }),
      attributes: request.attributes ?? {},
      timestamp: this.now().toISOString(),
    };
    this.options.onPublish?.(notification);
    for (const subscription of this.subscriptions) {
      if (subscription.topic !== request.topic) continue;
      if (
        subscription.filterPolicy &&
        !matchesFilterPolicy(subscription.filterPolicy, notification.attributes)
      ) {
        continue;
      }
      // Registered before publish() resolves, so drain() cannot miss the delivery.
      this.options.tracker.track(() => this.deliverWithRetry(subscription, notification, 1));
    }
    return { messageId: notification.messageId };
  }

  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private async deliverWithRetry(
    subscription: LocalSubscription,
    notification: Notification,
    attempt: number,
  ): Promise<void> {
    try {
      await subscription.deliver(notification);
      return;
    } catch (error) {
      const attempts = subscription.policy?.attempts ?? 1;
      if (attempt < attempts && subscription.policy) {
        const done = this.options.tracker.hold();
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          this.options.tracker.track(() =>
            this.deliverWithRetry(subscription, notification, attempt + 1),
          );
          done();
        }, subscription.policy.delayMs(attempt));
        this.timers.add(timer);
        return;
      }
      await this.options.deadLetter({
        source: `sns:${subscription.topic}:${subscription.name}`,
        reason: error instanceof Error ? error.message : String(error),
        body: JSON.stringify(toSnsEnvelope(notification, this.subscriptionArn(subscription))),
        attempts: attempt,
        failedAt: this.now().toISOString(),
      });
    }
  }
}
