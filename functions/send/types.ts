/** What send is given, what it keeps warm, and what becomes of each recipient. */
import type { S3Client } from '@aws-sdk/client-s3';
import type { SESClient } from '@aws-sdk/client-ses';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { RenderedEmail } from '../../core/types';
import type { Logger } from '../shared/logger';
import type { Publisher } from '../shared/ports';
import type { SecretSource } from '../shared/secrets';
import type { Pacer } from './pacer';

export interface SendSettings {
  bucket: string;
  tableName: string;
  /** The From header, e.g. `Birmingham Safeguarding <press@example.org>`. */
  from: string;
  configurationSet?: string;
  /** The unsubscribe Function URL (https); `?t=<token>` is appended per recipient. */
  unsubscribeBaseUrl: string;
  /** This function instance's share of the SES MaxSendRate. */
  ratePerSecond: number;
  /** Recipients in flight at once. @default one second's worth of ratePerSecond, at least 5 (defaultInFlight) */
  maxConcurrency?: number;
  /**
   * How long a claim protects a send in progress. It must outlast the invocation, or a
   * redelivery could send alongside a live attempt. @default the invocation's remaining
   * time plus a margin (functions/shared/invocation.ts), 2 minutes without a Lambda context
   */
  leaseMs?: number;
  /** SES attempts per recipient per delivery before failing the record. @default 4 */
  maxAttempts?: number;
}

export interface SendDeps {
  s3: S3Client;
  ses: SESClient;
  ddb: DynamoDBDocumentClient;
  logger: Logger;
  clock: () => Date;
  sleep: (ms: number) => Promise<void>;
  unsubscribeSecret: SecretSource;
  /** For the delivery report on the ops topic. */
  publisher: Publisher;
  settings: SendSettings;
  /** Jitter source; injectable for tests. */
  random?: () => number;
}

/** What a warm container keeps between invocations. */
export interface WarmState {
  /** One pacer per container: the rate holds across invocations of a warm instance. */
  pacer: Pacer;
  /** Rendered emails by S3 key (one per statement revision in flight). */
  emails: Map<string, Promise<RenderedEmail>>;
  /** Batches whose revision a newer one replaced (a head only moves forward, so this is final). */
  superseded: Set<string>;
}

export type RecipientOutcome =
  | 'sent'
  | 'suppressed'
  | 'already-sent'
  | 'previously-rejected'
  | 'rejected'
  | 'in-progress'
  | 'superseded'
  | 'failed';

export interface RecipientResult {
  outcome: RecipientOutcome;
  sesMessageId?: string;
  reason?: string;
}
