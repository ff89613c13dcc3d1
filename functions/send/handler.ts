/**
 * send: one SendBatch (≤ 50 journalists) → one raw email each through SES v1,
 * paced to this instance's share of the SES sending rate.
 *
 * 1. Claim every recipient in the ledger (skipping the suppressed — checked again
 *    here, an unsubscribe can land after dispatch — and, for a correction or kill
 *    notice, anyone whose earlier email is still in flight).
 * 2. One fence for the batch, after the claims: a batch for a revision that a
 *    correction or withdrawal replaced sends nothing (the newer revision's
 *    audience, read after its head moved, includes everyone claimed here).
 * 3. Per recipient, paced: the MIME with their own unsubscribe link,
 *    SendRawEmail, mark sent.
 *
 * Nothing is dropped: throttling and server errors are retried with backoff, and
 * when the attempts run out the SQS record fails so SQS redelivers it
 * (already-sent recipients are then skipped). Only a permanent per-address
 * rejection (MessageRejected) ends without a send, kept in the ledger. What can
 * make a journalist get a second copy is in ledger/sends.ts. When a batch is
 * finished it is counted for the delivery report (../shared/delivery-report.ts).
 *
 * This bundle must stay small: it imports core/mime and core/render/slots, never
 * MJML or core/render; `zod/mini`, not classic zod; and core/press-list/address,
 * not the CSV parser or the statement schema (docs/performance.md).
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { type SESClient, SendRawEmailCommand } from '@aws-sdk/client-ses';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { decideDelivery } from '../../core/lifecycle';
import { buildRawMessage } from '../../core/mime';
import { maskEmail, normaliseEmail } from '../../core/press-list/address';
import { fromHeader } from '../../core/render/sender';
import { createUnsubscribeToken } from '../../core/security/unsubscribe-token';
import type { Recipient, RenderedEmail } from '../../core/types';
import { type BatchCounts, noteBatchDone, reportIfDelivered } from '../shared/delivery-report';
import { effectRunner } from '../shared/invocation';
import type { Ledger } from '../shared/ledger/client';
import type { EffectRunner } from '../shared/ledger/effects';
import {
  claimSend,
  expireSendClaim,
  inFlightEarlier,
  markAmbiguous,
  markRejected,
  markSent,
  releaseSendClaim,
  type SendRef,
} from '../shared/ledger/sends';
import { getHead } from '../shared/ledger/statements';
import { suppressedAmong } from '../shared/ledger/suppression';
import type { Logger } from '../shared/logger';
import { parseSendBatch, type SendBatch } from '../shared/messages';
import type { Publisher } from '../shared/ports';
import { renderedEmailSchema } from '../shared/rendered-email';
import type { SecretSource } from '../shared/secrets';
import { RedeliverLaterError, sqsConsumer } from '../shared/sqs-consumer';
import { getJson } from '../shared/storage';
import '../shared/zod-mini';
import { createPacer, defaultInFlight, forEachLimited } from './pacer';

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

export type RecipientOutcome =
  | 'sent'
  | 'suppressed'
  | 'already-sent'
  | 'previously-rejected'
  | 'rejected'
  | 'in-progress'
  | 'superseded'
  | 'failed';

/** How each final outcome counts in the delivery report. */
const COUNTED_AS: Partial<Record<RecipientOutcome, keyof BatchCounts>> = {
  sent: 'emailed',
  suppressed: 'suppressed',
  superseded: 'superseded',
  rejected: 'rejected',
  'previously-rejected': 'rejected',
  'already-sent': 'already',
};

/** Outcomes after which SQS must redeliver the batch. */
const RETRY_OUTCOMES: ReadonlySet<RecipientOutcome> = new Set(['in-progress', 'failed']);

const DEFAULT_MAX_ATTEMPTS = 4;
const BACKOFF_BASE_MS = 500;
const BACKOFF_CAP_MS = 10_000;
/** Rendered emails kept per warm container (one per statement revision in flight). */
const EMAIL_CACHE_SIZE = 16;

/**
 * What an SES error says about the message:
 * - `rejected`: MessageRejected, about this message/address; retrying will not help.
 * - `not-sent`: SES certainly did not take it (Throttling, "Maximum sending rate
 *   exceeded", or the connection was never made): retry; no duplicate is possible.
 * - `ambiguous`: a 5xx, a timeout or a dropped connection after the request went out:
 *   SES may have accepted it. Retry (never lose it), and count a possible duplicate.
 * - `fatal`: any other 4xx (unverified sender, missing configuration set, paused
 *   account): a configuration problem; fail the record so it ends in the DLQ alarm.
 */
export type SesErrorKind = 'rejected' | 'not-sent' | 'ambiguous' | 'fatal';

/** Network errors raised before a request reached SES. */
const NEVER_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH']);

export function classifySesError(err: unknown): SesErrorKind {
  if (!(err instanceof Error)) return 'ambiguous';
  if (err.name === 'MessageRejected') return 'rejected';
  if (
    err.name === 'Throttling' ||
    err.name === 'ThrottlingException' ||
    /maximum sending rate exceeded/i.test(err.message)
  ) {
    return 'not-sent';
  }
  if ('code' in err && typeof err.code === 'string' && NEVER_SENT_CODES.has(err.code)) {
    return 'not-sent';
  }
  const status =
    '$metadata' in err && typeof err.$metadata === 'object' && err.$metadata !== null
      ? (err.$metadata as { httpStatusCode?: unknown }).httpStatusCode
      : undefined;
  if (typeof status !== 'number' || status >= 500) return 'ambiguous';
  return 'fatal';
}

export function createSendHandler(deps: SendDeps) {
  const { logger, settings, clock, sleep } = deps;
  const ledger: Ledger = { ddb: deps.ddb, tableName: settings.tableName };
  const random = deps.random ?? Math.random;
  const maxAttempts = settings.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const concurrency = settings.maxConcurrency ?? defaultInFlight(settings.ratePerSecond);
  // One pacer per container: the rate holds across invocations of a warm instance.
  const pacer = createPacer(settings.ratePerSecond, clock, sleep);
  const emails = new Map<string, Promise<RenderedEmail>>();

  function loadEmail(key: string): Promise<RenderedEmail> {
    let cached = emails.get(key);
    if (!cached) {
      cached = getJson(deps.s3, settings.bucket, key, (v) => renderedEmailSchema.parse(v));
      // A failed read must not stick in the cache.
      cached.catch(() => emails.delete(key));
      emails.set(key, cached);
      if (emails.size > EMAIL_CACHE_SIZE) {
        const oldest = emails.keys().next().value;
        if (oldest !== undefined) emails.delete(oldest);
      }
    }
    return cached;
  }

  function unsubscribeUrl(email: string, secret: string): string {
    const url = new URL(settings.unsubscribeBaseUrl);
    url.searchParams.set('t', createUnsubscribeToken(email, secret));
    return url.toString();
  }

  function backoff(attempt: number): number {
    const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt);
    // "Equal jitter": at least half the backoff, so retries from many instances spread out.
    return ceiling / 2 + random() * (ceiling / 2);
  }

  interface Result {
    outcome: RecipientOutcome;
    sesMessageId?: string;
    reason?: string;
  }

  async function sendToSes(
    raw: Buffer,
    ref: SendRef,
  ): Promise<{ ok: true; messageId: string } | { ok: false; kind: SesErrorKind; error: Error }> {
    let last: Error = new Error('no attempt made');
    let ambiguous = false;
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      if (attempt > 0) await sleep(backoff(attempt));
      await pacer.take();
      try {
        const out = await deps.ses.send(
          new SendRawEmailCommand({
            RawMessage: { Data: raw },
            ...(settings.configurationSet
              ? { ConfigurationSetName: settings.configurationSet }
              : {}),
          }),
        );
        return { ok: true, messageId: out.MessageId ?? '' };
      } catch (err) {
        last = err instanceof Error ? err : new Error(String(err));
        const kind = classifySesError(err);
        if (kind === 'rejected' || kind === 'fatal') return { ok: false, kind, error: last };
        if (kind === 'ambiguous') {
          ambiguous = true;
          await markAmbiguous(ledger, ref);
        }
      }
    }
    return { ok: false, kind: ambiguous ? 'ambiguous' : 'not-sent', error: last };
  }

  async function markSentWithRetry(ref: Parameters<typeof markSent>[1]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await markSent(ledger, ref);
        return;
      } catch (err) {
        if (attempt >= 2) throw err;
        await sleep(backoff(attempt));
      }
    }
  }

  /**
   * The claim before anything else: `claimed` means this invocation may send to the
   * recipient (once the batch's fence has passed).
   */
  async function claimOne(ref: SendRef, leaseMs: number): Promise<Result | 'claimed'> {
    const claim = await claimSend(ledger, { ...ref, now: clock(), leaseMs });
    if (claim === 'already-sent') return { outcome: 'already-sent' };
    if (claim === 'rejected') return { outcome: 'previously-rejected' };
    if (claim === 'in-progress') return { outcome: 'in-progress' };
    return 'claimed';
  }

  /** MIME, SES and the `sent` record for a claimed recipient. */
  async function deliverOne(
    ref: SendRef,
    email: RenderedEmail,
    recipient: Recipient,
    secret: string,
  ): Promise<Result> {
    let raw: Buffer;
    try {
      raw = await buildRawMessage(email, recipient, {
        // The organisation's name (rendered once) on the configured, verified address.
        from: fromHeader(email.fromName, settings.from),
        unsubscribeUrl: unsubscribeUrl(recipient.email, secret),
        ...(settings.configurationSet ? { configurationSet: settings.configurationSet } : {}),
        date: clock(),
      });
    } catch (err) {
      await releaseSendClaim(ledger, ref);
      throw err;
    }
    const result = await sendToSes(raw, ref);
    if (!result.ok) {
      if (result.kind === 'rejected') {
        await markRejected(ledger, { ...ref, reason: result.error.message, now: clock() });
        return { outcome: 'rejected', reason: result.error.message };
      }
      // SES may have it: keep the claim (and its count) but let it lapse for the redelivery.
      if (result.kind === 'ambiguous') await expireSendClaim(ledger, ref);
      // SES did not take it: give the claim back so the redelivery can send straight away.
      else await releaseSendClaim(ledger, ref);
      return { outcome: 'failed', reason: `${result.error.name}: ${result.error.message}` };
    }
    // If this throws, the claim keeps its lease: see the at-least-once note in ledger/sends.ts.
    await markSentWithRetry({ ...ref, sesMessageId: result.messageId, now: clock() });
    return { outcome: 'sent', sesMessageId: result.messageId };
  }

  /** Batches whose revision a newer one replaced (a head only moves forward, so this is final). */
  const supersededBatches = new Set<string>();

  async function isSuperseded(batch: SendBatch): Promise<boolean> {
    const key = `${batch.id}#${batch.revision}`;
    if (supersededBatches.has(key)) return true;
    if (decideDelivery(await getHead(ledger, batch.id), batch.revision) === 'go') return false;
    supersededBatches.add(key);
    if (supersededBatches.size > EMAIL_CACHE_SIZE) {
      const oldest = supersededBatches.values().next().value;
      if (oldest !== undefined) supersededBatches.delete(oldest);
    }
    return true;
  }

  async function processBatch(
    batch: SendBatch,
    leaseMs: number,
    runner: EffectRunner,
  ): Promise<boolean> {
    const addresses = batch.recipients.map((r) => r.email);
    const [email, secret, suppressed, waiting] = await Promise.all([
      loadEmail(batch.emailKey),
      deps.unsubscribeSecret.get(),
      suppressedAmong(ledger, addresses, {
        sleep,
        ...(batch.type === 'withdrawn' ? { ignore: ['unsubscribe'] as const } : {}),
      }),
      // A correction or kill notice must not overtake the email it corrects.
      batch.type === 'published'
        ? new Set<string>()
        : inFlightEarlier(ledger, {
            id: batch.id,
            revision: batch.revision,
            emails: addresses,
            now: clock(),
          }),
    ]);
    let retry = false;
    const counts: BatchCounts = {
      emailed: 0,
      suppressed: 0,
      superseded: 0,
      rejected: 0,
      already: 0,
    };
    const report = (recipient: Recipient, result: Result) => {
      if (RETRY_OUTCOMES.has(result.outcome)) retry = true;
      const counted = COUNTED_AS[result.outcome];
      if (counted) counts[counted] += 1;
      const fields = {
        statementId: batch.id,
        revision: batch.revision,
        recipient: maskEmail(recipient.email),
        outcome: result.outcome,
        ...(result.sesMessageId ? { sesMessageId: result.sesMessageId } : {}),
        ...(result.reason ? { reason: result.reason } : {}),
      };
      if (result.outcome === 'rejected')
        logger.error('SES rejected the message; not retrying', fields);
      else if (RETRY_OUTCOMES.has(result.outcome)) logger.warn('send will be retried', fields);
      else logger.info('recipient done', fields);
    };
    const failure = (err: unknown): Result => ({
      outcome: 'failed',
      reason: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
    });
    const refOf = (recipient: Recipient): SendRef => ({
      id: batch.id,
      revision: batch.revision,
      email: recipient.email,
    });

    // 1. Claim every recipient this batch may send to.
    const claimed: Recipient[] = [];
    await forEachLimited(batch.recipients, concurrency, async (recipient) => {
      if (suppressed.has(normaliseEmail(recipient.email))) {
        return report(recipient, { outcome: 'suppressed' });
      }
      if (waiting.has(recipient.email.toLowerCase())) {
        return report(recipient, {
          outcome: 'in-progress',
          reason: 'an earlier revision is still being sent',
        });
      }
      try {
        const claim = await claimOne(refOf(recipient), leaseMs);
        if (claim === 'claimed') claimed.push(recipient);
        else report(recipient, claim);
      } catch (err) {
        report(recipient, failure(err));
      }
    });
    if (claimed.length === 0) return finish();

    // 2. The fence, once for the batch and after every claim: a correction or withdrawal
    // may have landed since dispatch. Its own audience is read after the head moved, so it
    // sees these claims; and an older revision must not go out once a newer one is in force.
    let superseded: boolean;
    try {
      superseded = await isSuperseded(batch);
    } catch (err) {
      await Promise.all(claimed.map((r) => releaseSendClaim(ledger, refOf(r))));
      throw err;
    }
    if (superseded) {
      await Promise.all(claimed.map((r) => releaseSendClaim(ledger, refOf(r))));
      for (const recipient of claimed) report(recipient, { outcome: 'superseded' });
      return finish();
    }

    // 3. Send, paced to this instance's share of the SES rate.
    await forEachLimited(claimed, concurrency, async (recipient) => {
      try {
        report(recipient, await deliverOne(refOf(recipient), email, recipient, secret));
      } catch (err) {
        report(recipient, failure(err));
      }
    });
    return finish();

    async function finish(): Promise<boolean> {
      if (!retry) {
        // The batch is finished: count it, and report to ops if it was the revision's last.
        await noteBatchDone(runner, batch, counts);
        await reportIfDelivered(runner, deps.publisher, batch);
      }
      return retry;
    }
  }

  return sqsConsumer<SendBatch>({
    parse: parseSendBatch,
    describe: (batch) => ({
      statementId: batch.id,
      revision: batch.revision,
      batch: batch.batch,
    }),
    logger,
    async handle(batch, context) {
      // One lease source: a claim lasts until this invocation is certainly dead.
      const runner = effectRunner({
        ddb: deps.ddb,
        tableName: settings.tableName,
        clock,
        logger,
        context,
        sleep,
      });
      const leaseMs = settings.leaseMs ?? runner.leaseUntil().getTime() - clock().getTime();
      if (await processBatch(batch, leaseMs, runner)) {
        throw new RedeliverLaterError('Some journalists of the batch are retried later');
      }
    },
  });
}
