/** One recipient of a batch: the claim before anything else, then MIME, SES and the `sent` record. */
import { buildRawMessage } from '../../core/mime';
import { fromHeader } from '../../core/render/sender';
import { createUnsubscribeToken } from '../../core/security/unsubscribe-token';
import type { Recipient, RenderedEmail } from '../../core/types';
import { ledgerOf } from '../shared/ledger/client';
import {
  claimSend,
  expireSendClaim,
  markRejected,
  markSent,
  releaseSendClaim,
  type SendRef,
} from '../shared/ledger/sends';
import { backoff, sendToSes } from './ses';
import type { RecipientResult, SendDeps, WarmState } from './types';

/** `claimed` means this invocation may send to the recipient (once the batch's fence has passed). */
export async function claimOne(
  deps: SendDeps,
  ref: SendRef,
  leaseMs: number,
): Promise<RecipientResult | 'claimed'> {
  const claim = await claimSend(ledgerOf(deps), { ...ref, now: deps.clock(), leaseMs });
  if (claim === 'already-sent') return { outcome: 'already-sent' };
  if (claim === 'rejected') return { outcome: 'previously-rejected' };
  if (claim === 'in-progress') return { outcome: 'in-progress' };
  return 'claimed';
}

/** MIME, SES and the `sent` record for a claimed recipient. */
export async function deliverOne(
  deps: SendDeps,
  warm: WarmState,
  ref: SendRef,
  email: RenderedEmail,
  recipient: Recipient,
  secret: string,
): Promise<RecipientResult> {
  const { clock } = deps;
  const ledger = ledgerOf(deps);
  let raw: Buffer;
  try {
    raw = await buildRawMessage(email, recipient, {
      ...senderOf(deps, email),
      unsubscribeUrl: unsubscribeUrl(deps, recipient.email, secret),
      date: clock(),
    });
  } catch (err) {
    await releaseSendClaim(ledger, ref);
    throw err;
  }
  const result = await sendToSes(deps, warm, raw, ref);
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
  await markSentWithRetry(deps, { ...ref, sesMessageId: result.messageId, now: clock() });
  return { outcome: 'sent', sesMessageId: result.messageId };
}

/** The sender settings of every message of `email`. */
export function senderOf(
  deps: SendDeps,
  email: RenderedEmail,
): { from: string; configurationSet?: string } {
  const { settings } = deps;
  return {
    // The organisation's name (rendered once) on the configured, verified address.
    from: fromHeader(email.fromName, settings.from),
    ...(settings.configurationSet ? { configurationSet: settings.configurationSet } : {}),
  };
}

function unsubscribeUrl(deps: SendDeps, email: string, secret: string): string {
  const url = new URL(deps.settings.unsubscribeBaseUrl);
  url.searchParams.set('t', createUnsubscribeToken(email, secret));
  return url.toString();
}

async function markSentWithRetry(
  deps: SendDeps,
  ref: Parameters<typeof markSent>[1],
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await markSent(ledgerOf(deps), ref);
      return;
    } catch (err) {
      if (attempt >= 2) throw err;
      await deps.sleep(backoff(deps, attempt));
    }
  }
}
