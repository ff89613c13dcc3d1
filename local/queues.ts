/**
 * In-process SQS-like queues feeding the SQS-triggered handlers (dispatch, send,
 * website-hook) with real SQSEvent shapes.
 *
 * Like an SQS event source mapping with ReportBatchItemFailures: records named in
 * `batchItemFailures` (or the whole batch when the handler throws) become visible again
 * after a visibility delay and are redelivered with a higher ApproximateReceiveCount; after
 * `maxReceiveCount` receives they go to the dead-letter sink instead. Consumer concurrency is
 * bounded. All in-flight and waiting messages are registered with the WorkTracker, so
 * `drain()` waits for retries too.
 */
import { randomUUID } from 'node:crypto';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { LOCAL_ACCOUNT, LOCAL_REGION, queueArn, queueUrl } from './names';
import type { WorkTracker } from './tracker';

export type SqsConsumer = (event: SQSEvent) => Promise<SQSBatchResponse | undefined>;

export interface DeadLetter {
  source: string;
  reason: string;
  body: string;
  attempts: number;
  failedAt: string;
}

export interface LocalQueueOptions {
  name: string;
  consumer: SqsConsumer;
  tracker: WorkTracker;
  deadLetter: (letter: DeadLetter) => Promise<void>;
  /** Records per handler invocation (SQS: ≤ 10). */
  batchSize?: number;
  /** Handler invocations running at once. */
  concurrency?: number;
  /** Receives before a message is dead-lettered (the redrive policy). */
  maxReceiveCount?: number;
  /** Delay before a failed message is visible again; attempt is 1 for the first retry. */
  visibilityDelayMs?: (attempt: number) => number;
  /** Wall-clock timestamps on records. */
  now?: () => Date;
  /** Called for every body accepted (counting for summaries). */
  onEnqueue?: (body: string) => void;
}

interface Message {
  messageId: string;
  body: string;
  receiveCount: number;
  sentAt: number;
  firstReceivedAt?: number;
  /** Releases this message's hold on the tracker once it is deleted or dead-lettered. */
  done: () => void;
}

export class LocalQueue {
  readonly name: string;
  private readonly visible: Message[] = [];
  private running = 0;
  private readonly batchSize: number;
  private readonly concurrency: number;
  private readonly maxReceiveCount: number;
  private readonly visibilityDelayMs: (attempt: number) => number;
  private readonly now: () => Date;
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(private readonly options: LocalQueueOptions) {
    this.name = options.name;
    this.batchSize = options.batchSize ?? 10;
    this.concurrency = options.concurrency ?? 4;
    this.maxReceiveCount = options.maxReceiveCount ?? 3;
    this.visibilityDelayMs = options.visibilityDelayMs ?? ((attempt) => 100 * 2 ** (attempt - 1));
    this.now = options.now ?? (() => new Date());
  }

  get arn(): string {
    return queueArn(this.name);
  }

  get url(): string {
    return queueUrl(this.name);
  }

  /** Enqueues `bodies`; resolves with their message ids, in order. */
  send(bodies: readonly string[]): string[] {
    const ids: string[] = [];
    for (const body of bodies) {
      this.options.onEnqueue?.(body);
      const messageId = randomUUID();
      ids.push(messageId);
      this.visible.push({
        messageId,
        body,
        receiveCount: 0,
        sentAt: Date.now(),
        done: this.options.tracker.hold(),
      });
    }
    this.pump();
    return ids;
  }

  /** Stops polling; waiting retries are dropped (the stack is shutting down). */
  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const message of this.visible.splice(0)) message.done();
  }

  private pump(): void {
    while (!this.stopped && this.running < this.concurrency && this.visible.length > 0) {
      const batch = this.visible.splice(0, this.batchSize);
      this.running += 1;
      this.options.tracker.track(async () => {
        try {
          await this.deliver(batch);
        } finally {
          this.running -= 1;
          this.pump();
        }
      });
    }
  }

  private async deliver(batch: Message[]): Promise<void> {
    const receivedAt = Date.now();
    for (const message of batch) {
      message.receiveCount += 1;
      message.firstReceivedAt ??= receivedAt;
    }
    const event: SQSEvent = { Records: batch.map((m) => this.toRecord(m)) };
    let failedIds: Set<string>;
    let reason = 'reported in batchItemFailures';
    try {
      const response = await this.options.consumer(event);
      failedIds = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    } catch (error) {
      // A throw fails the whole batch, as with a Lambda error on an SQS event source.
      failedIds = new Set(batch.map((m) => m.messageId));
      reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    }
    for (const message of batch) {
      if (!failedIds.has(message.messageId)) {
        message.done();
      } else if (message.receiveCount >= this.maxReceiveCount) {
        await this.options.deadLetter({
          source: `queue:${this.name}`,
          reason,
          body: message.body,
          attempts: message.receiveCount,
          failedAt: this.now().toISOString(),
        });
        message.done();
      } else {
        this.retryLater(message);
      }
    }
  }

  private retryLater(message: Message): void {
    if (this.stopped) {
      message.done();
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.visible.push(message);
      this.pump();
    }, this.visibilityDelayMs(message.receiveCount));
    this.timers.add(timer);
  }

  private toRecord(message: Message): SQSRecord {
    return {
      messageId: message.messageId,
      receiptHandle: `${message.messageId}#${message.receiveCount}`,
      body: message.body,
      attributes: {
        ApproximateReceiveCount: String(message.receiveCount),
        SentTimestamp: String(message.sentAt),
        SenderId: LOCAL_ACCOUNT,
        ApproximateFirstReceiveTimestamp: String(message.firstReceivedAt ?? message.sentAt),
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: this.arn,
      awsRegion: LOCAL_REGION,
    };
  }
}
