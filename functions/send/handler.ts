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
import { decideDelivery } from '../../core/lifecycle';
import { prepareForSender, type StoredMime } from '../../core/mime';
import { maskEmail, normaliseEmail } from '../../core/press-list/address';
import type { Recipient, RenderedEmail } from '../../core/types';
import { type BatchCounts, noteBatchDone } from '../shared/delivery-report';
import { type InvocationContext, invocationRunner } from '../shared/invocation';
import { ledgerOf } from '../shared/ledger/client';
import type { EffectRunner } from '../shared/ledger/effects';
import { inFlightEarlier, releaseSendClaim, type SendRef } from '../shared/ledger/sends';
import { getHead } from '../shared/ledger/statements';
import { suppressedAmong } from '../shared/ledger/suppression';
import { parseSendBatch, type SendBatch } from '../shared/messages';
import { readStoredEmail } from '../shared/rendered-email';
import { RedeliverLaterError, sqsConsumer } from '../shared/sqs-consumer';
import { getJson } from '../shared/storage';
import '../shared/zod-mini';
import { createPacer, defaultInFlight, forEachLimited } from './pacer';
import { claimOne, deliverOne, senderOf } from './recipient';
import type { RecipientOutcome, RecipientResult, SendDeps, WarmState } from './types';

export { classifySesError, type SesErrorKind } from './ses';
export type { RecipientOutcome, SendDeps, SendSettings } from './types';

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

/** Rendered emails (and superseded batches) kept per warm container. */
const WARM_CACHE_SIZE = 16;

export function createSendHandler(deps: SendDeps) {
  const warm: WarmState = {
    pacer: createPacer(deps.settings.ratePerSecond, deps.clock, deps.sleep),
    emails: new Map(),
    superseded: new Set(),
  };
  return sqsConsumer<SendBatch>({
    parse: parseSendBatch,
    describe: (batch) => ({ batch: batch.batch }),
    logger: deps.logger,
    handle: (batch, context) => handleBatch(deps, warm, batch, context),
  });
}

async function handleBatch(
  deps: SendDeps,
  warm: WarmState,
  batch: SendBatch,
  context: InvocationContext | undefined,
): Promise<void> {
  // One lease source: a claim lasts until this invocation is certainly dead.
  const runner = invocationRunner(deps, context);
  const leaseMs = deps.settings.leaseMs ?? runner.leaseUntil().getTime() - deps.clock().getTime();
  if (await processBatch(deps, warm, batch, leaseMs, runner)) {
    throw new RedeliverLaterError('Some journalists of the batch are retried later');
  }
}

/**
 * Claims, fences and sends one batch; true when some of it must be redelivered.
 *
 * The claims need only the audience (suppression and earlier sends), not the email:
 * the email and the unsubscribe secret load, and the email's MIME parts are encoded,
 * while the claims and the fence are in flight. Nothing is sent before both are done.
 */
async function processBatch(
  deps: SendDeps,
  warm: WarmState,
  batch: SendBatch,
  leaseMs: number,
  runner: EffectRunner,
): Promise<boolean> {
  const tally = createTally(deps);
  const content = batchContent(deps, warm, batch);
  // Awaited only once something is claimed; until then its failure must not go unhandled.
  content.catch(() => undefined);
  const audience = await batchAudience(deps, batch);
  // 1. Claim every recipient this batch may send to.
  const claimed = await claimAll(deps, batch, audience, leaseMs, tally);
  // 2. The fence, once for the batch and after every claim; 3. send, paced.
  const ready =
    claimed.length > 0 ? await passesFence(deps, warm, batch, claimed, content, tally) : null;
  if (ready) {
    await forEachLimited(claimed, concurrencyOf(deps), async (recipient) => {
      try {
        const ref = refOf(batch, recipient);
        tally.report(
          recipient,
          await deliverOne(deps, warm, ref, ready.email, recipient, ready.secret),
        );
      } catch (err) {
        tally.report(recipient, failure(err));
      }
    });
  }
  if (!tally.retry) {
    // The batch is finished: count it, and report to ops if it was the revision's last.
    await noteBatchDone(runner, deps.publisher, batch, tally.counts);
  }
  return tally.retry;
}

/** What each journalist's message is made of. */
interface BatchContent {
  email: RenderedEmail;
  secret: string;
}

/** Who may be sent to. */
interface BatchAudience {
  /** Normalised addresses on the suppression list. */
  suppressed: Set<string>;
  /** Lower-cased addresses an earlier revision is still being sent to. */
  waiting: Set<string>;
}

async function batchContent(
  deps: SendDeps,
  warm: WarmState,
  batch: SendBatch,
): Promise<BatchContent> {
  const [email, secret] = await Promise.all([
    loadEmail(deps, warm, batch.emailKey),
    deps.unsubscribeSecret.get(),
  ]);
  return { email, secret };
}

async function batchAudience(deps: SendDeps, batch: SendBatch): Promise<BatchAudience> {
  const ledger = ledgerOf(deps);
  const addresses = batch.recipients.map((r) => r.email);
  const [suppressed, waiting] = await Promise.all([
    suppressedAmong(ledger, addresses, {
      sleep: deps.sleep,
      ...(batch.type === 'withdrawn' ? { ignore: ['unsubscribe'] as const } : {}),
    }),
    // A correction or kill notice must not overtake the email it corrects.
    batch.type === 'published'
      ? new Set<string>()
      : inFlightEarlier(ledger, {
          id: batch.id,
          revision: batch.revision,
          emails: addresses,
          now: deps.clock(),
        }),
  ]);
  return { suppressed, waiting };
}

async function claimAll(
  deps: SendDeps,
  batch: SendBatch,
  audience: BatchAudience,
  leaseMs: number,
  tally: Tally,
): Promise<Recipient[]> {
  const claimed: Recipient[] = [];
  await forEachLimited(batch.recipients, concurrencyOf(deps), async (recipient) => {
    if (audience.suppressed.has(normaliseEmail(recipient.email))) {
      return tally.report(recipient, { outcome: 'suppressed' });
    }
    if (audience.waiting.has(recipient.email.toLowerCase())) {
      return tally.report(recipient, {
        outcome: 'in-progress',
        reason: 'an earlier revision is still being sent',
      });
    }
    try {
      const claim = await claimOne(deps, refOf(batch, recipient), leaseMs);
      if (claim === 'claimed') claimed.push(recipient);
      else tally.report(recipient, claim);
    } catch (err) {
      tally.report(recipient, failure(err));
    }
  });
  return claimed;
}

/**
 * A correction or withdrawal may have landed since dispatch. Its own audience is read
 * after the head moved, so it sees these claims; and an older revision must not go out
 * once a newer one is in force. Null (claims given back) when this batch is superseded,
 * or (then it throws) when the head or the message content could not be read.
 */
async function passesFence(
  deps: SendDeps,
  warm: WarmState,
  batch: SendBatch,
  claimed: Recipient[],
  content: Promise<BatchContent>,
  tally: Tally,
): Promise<BatchContent | null> {
  const giveBack = () =>
    Promise.all(claimed.map((r) => releaseSendClaim(ledgerOf(deps), refOf(batch, r))));
  let superseded: boolean;
  let ready: BatchContent;
  try {
    [superseded, ready] = await Promise.all([isSuperseded(deps, warm, batch), content]);
  } catch (err) {
    await giveBack();
    throw err;
  }
  if (!superseded) return ready;
  await giveBack();
  for (const recipient of claimed) tally.report(recipient, { outcome: 'superseded' });
  return null;
}

async function isSuperseded(deps: SendDeps, warm: WarmState, batch: SendBatch): Promise<boolean> {
  const key = `${batch.id}#${batch.revision}`;
  if (warm.superseded.has(key)) return true;
  if (decideDelivery(await getHead(ledgerOf(deps), batch.id), batch.revision) === 'go') {
    return false;
  }
  warm.superseded.add(key);
  evictOldest(warm.superseded);
  return true;
}

function loadEmail(deps: SendDeps, warm: WarmState, key: string): Promise<RenderedEmail> {
  let cached = warm.emails.get(key);
  if (!cached) {
    cached = getJson(deps.s3, deps.settings.bucket, key, readStoredEmail).then(
      ({ email, mime, mimeDropped }) => {
        if (mimeDropped) {
          deps.logger.warn('The email prepared by ingest did not parse; preparing it here', {
            key,
          });
        }
        warmUpMime(deps, email, mime);
        return email;
      },
    );
    // A failed read must not stick in the cache.
    cached.catch(() => warm.emails.delete(key));
    warm.emails.set(key, cached);
    evictOldest(warm.emails);
  }
  return cached;
}

/**
 * Prepares the email once, as it arrives: from what ingest stored for this sender
 * (`mime`) if it can, else by encoding it here. The first journalist's message then
 * only splices. Best effort: if it fails, building each message fails the same way
 * and is handled there (the claim given back, the record retried).
 */
function warmUpMime(deps: SendDeps, email: RenderedEmail, mime: StoredMime | undefined): void {
  try {
    prepareForSender(email, senderOf(deps, email), mime);
  } catch (err) {
    deps.logger.warn('Could not prepare the email for sending', { error: err });
  }
}

function evictOldest(cache: {
  size: number;
  keys(): Iterator<string>;
  delete(key: string): unknown;
}) {
  if (cache.size <= WARM_CACHE_SIZE) return;
  const oldest = cache.keys().next();
  if (!oldest.done) cache.delete(oldest.value);
}

/** Outcomes of one batch: the delivery report's counts, whether to redeliver, and a log line each. */
interface Tally {
  counts: BatchCounts;
  retry: boolean;
  report(recipient: Recipient, result: RecipientResult): void;
}

function createTally(deps: SendDeps): Tally {
  const { logger } = deps;
  const tally: Tally = {
    counts: { emailed: 0, suppressed: 0, superseded: 0, rejected: 0, already: 0 },
    retry: false,
    report(recipient, result) {
      if (RETRY_OUTCOMES.has(result.outcome)) tally.retry = true;
      const counted = COUNTED_AS[result.outcome];
      if (counted) tally.counts[counted] += 1;
      const fields = {
        recipient: maskEmail(recipient.email),
        outcome: result.outcome,
        ...(result.sesMessageId ? { sesMessageId: result.sesMessageId } : {}),
        ...(result.reason ? { reason: result.reason } : {}),
      };
      if (result.outcome === 'rejected') {
        logger.error('SES rejected the message; not retrying', fields);
      } else if (RETRY_OUTCOMES.has(result.outcome)) logger.warn('Send will be retried', fields);
      else logger.info('Recipient done', fields);
    },
  };
  return tally;
}

function failure(err: unknown): RecipientResult {
  return {
    outcome: 'failed',
    reason: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
  };
}

function refOf(batch: SendBatch, recipient: Recipient): SendRef {
  return { id: batch.id, revision: batch.revision, email: recipient.email };
}

function concurrencyOf(deps: SendDeps): number {
  return deps.settings.maxConcurrency ?? defaultInFlight(deps.settings.ratePerSecond);
}
