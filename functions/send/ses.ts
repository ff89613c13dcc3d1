/**
 * One raw email through SES v1, paced and retried with backoff; and what an
 * SES error says about whether the message went out.
 */
import { SendRawEmailCommand } from '@aws-sdk/client-ses';
import { errorName, httpStatusOf } from '../shared/errors';
import { ledgerOf } from '../shared/ledger/client';
import { markAmbiguous, type SendRef } from '../shared/ledger/sends';
import type { SendDeps, WarmState } from './types';

const DEFAULT_MAX_ATTEMPTS = 4;
const BACKOFF_BASE_MS = 500;
const BACKOFF_CAP_MS = 10_000;

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
  const name = errorName(err);
  if (name === 'MessageRejected') return 'rejected';
  if (
    name === 'Throttling' ||
    name === 'ThrottlingException' ||
    /maximum sending rate exceeded/i.test(err.message)
  ) {
    return 'not-sent';
  }
  if ('code' in err && typeof err.code === 'string' && NEVER_SENT_CODES.has(err.code)) {
    return 'not-sent';
  }
  const status = httpStatusOf(err);
  if (status === undefined || status >= 500) return 'ambiguous';
  return 'fatal';
}

export type SesResult =
  | { ok: true; messageId: string }
  | { ok: false; kind: SesErrorKind; error: Error };

/** Sends `raw`, retrying what SES did not take; an ambiguous attempt is marked on the claim. */
export async function sendToSes(
  deps: SendDeps,
  warm: WarmState,
  raw: Buffer,
  ref: SendRef,
): Promise<SesResult> {
  const { configurationSet } = deps.settings;
  let last: Error = new Error('no attempt made');
  let ambiguous = false;
  for (let attempt = 0; attempt < (deps.settings.maxAttempts ?? DEFAULT_MAX_ATTEMPTS); attempt++) {
    if (attempt > 0) await deps.sleep(backoff(deps, attempt));
    await warm.pacer.take();
    try {
      const out = await deps.ses.send(
        new SendRawEmailCommand({
          RawMessage: { Data: raw },
          ...(configurationSet ? { ConfigurationSetName: configurationSet } : {}),
        }),
      );
      return { ok: true, messageId: out.MessageId ?? '' };
    } catch (err) {
      last = err instanceof Error ? err : new Error(String(err));
      const kind = classifySesError(err);
      if (kind === 'rejected' || kind === 'fatal') return { ok: false, kind, error: last };
      if (kind === 'ambiguous') {
        ambiguous = true;
        await markAmbiguous(ledgerOf(deps), ref);
      }
    }
  }
  return { ok: false, kind: ambiguous ? 'ambiguous' : 'not-sent', error: last };
}

export function backoff(deps: SendDeps, attempt: number): number {
  const random = deps.random ?? Math.random;
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt);
  // "Equal jitter": at least half the backoff, so retries from many instances spread out.
  return ceiling / 2 + random() * (ceiling / 2);
}
