/**
 * Website hook signatures (docs/deploy.md): `X-Herald-Timestamp: <unix seconds>` and
 * `X-Herald-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`.
 * Signing the timestamp with the body lets receivers reject replays outside a
 * tolerance window. `verifyWebhook` is for receivers (and our tests).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { HeraldError } from '../errors';

export const WEBHOOK_TIMESTAMP_HEADER = 'X-Herald-Timestamp';
export const WEBHOOK_SIGNATURE_HEADER = 'X-Herald-Signature';
/** Default replay window for receivers, in seconds. */
export const DEFAULT_WEBHOOK_TOLERANCE_SECONDS = 300;

const SIGNATURE = /^sha256=([0-9a-f]{64})$/;

export class WebhookSignatureError extends HeraldError {
  override name = 'WebhookSignatureError';
}

export interface WebhookSignature {
  /** Value for X-Herald-Timestamp (unix seconds). */
  timestamp: string;
  /** Value for X-Herald-Signature. */
  signature: string;
}

function mac(timestamp: string, body: string | Uint8Array, secret: string): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.`, 'utf8').update(body).digest();
}

/** Signs the exact body text that will be sent. `timestamp` is unix seconds. */
export function signWebhook(body: string, secret: string, timestamp: number): WebhookSignature {
  if (secret.length === 0) throw new WebhookSignatureError('The webhook secret is empty.');
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new WebhookSignatureError('The webhook timestamp must be whole unix seconds.');
  }
  const ts = String(timestamp);
  return { timestamp: ts, signature: `sha256=${mac(ts, body, secret).toString('hex')}` };
}

export interface VerifyWebhookInput {
  /** The raw request body exactly as received (bytes or the decoded text). */
  body: string | Uint8Array;
  secret: string;
  timestamp: string | null | undefined;
  signature: string | null | undefined;
  /** Receiver's clock, unix seconds. */
  now: number;
  toleranceSeconds?: number;
}

export type VerifyWebhookResult =
  | { ok: true }
  | { ok: false; reason: 'malformed' | 'stale' | 'bad-signature' | 'no-secret' };

/** Never throws. Several signatures may be sent comma-separated (secret rotation); any match passes. */
export function verifyWebhook(input: VerifyWebhookInput): VerifyWebhookResult {
  const { body, secret, timestamp, signature, now } = input;
  if (secret.length === 0) return { ok: false, reason: 'no-secret' };
  if (typeof timestamp !== 'string' || !/^\d{1,15}$/.test(timestamp)) {
    return { ok: false, reason: 'malformed' };
  }
  if (typeof signature !== 'string' || signature.length > 1024)
    return { ok: false, reason: 'malformed' };
  const tolerance = input.toleranceSeconds ?? DEFAULT_WEBHOOK_TOLERANCE_SECONDS;
  if (Math.abs(now - Number(timestamp)) > tolerance) return { ok: false, reason: 'stale' };
  const candidates = signature.split(',').map((s) => SIGNATURE.exec(s.trim())?.[1]);
  if (candidates.some((c) => c === undefined)) return { ok: false, reason: 'malformed' };
  const expected = mac(timestamp, body, secret);
  for (const hex of candidates) {
    const given = Buffer.from(hex as string, 'hex');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return { ok: true };
  }
  return { ok: false, reason: 'bad-signature' };
}
