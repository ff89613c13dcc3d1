/**
 * Per-recipient unsubscribe tokens for the List-Unsubscribe URL (RFC 8058).
 *
 * `v1.<base64url(email)>.<base64url(HMAC-SHA256(secret, "unsubscribe:v1:" + lower(email)))>`
 *
 * Stateless on purpose: the unsubscribe function needs no lookup to know who
 * clicked, and a token cannot be forged for another address without the secret.
 * Tokens do not expire: RFC 8058 links must keep working in old emails.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { HeraldError } from '../errors';

const VERSION = 'v1';
const PURPOSE = 'unsubscribe:v1:';
const BASE64URL = /^[A-Za-z0-9_-]+$/;
// RFC 5321 caps an address at 254 octets; anything longer was never ours.
const MAX_EMAIL_BYTES = 254;

export class UnsubscribeTokenError extends HeraldError {
  override name = 'UnsubscribeTokenError';
}

export type UnsubscribeTokenReason =
  | 'malformed'
  | 'unsupported-version'
  | 'bad-signature'
  | 'no-secret';

export type UnsubscribeTokenResult =
  | { ok: true; email: string }
  | { ok: false; reason: UnsubscribeTokenReason };

function mac(email: string, secret: string): Buffer {
  return createHmac('sha256', secret)
    .update(PURPOSE + email.toLowerCase(), 'utf8')
    .digest();
}

/** The token for one recipient. Throws only on programming mistakes (no secret, no address). */
export function createUnsubscribeToken(email: string, secret: string): string {
  if (secret.length === 0) throw new UnsubscribeTokenError('The unsubscribe secret is empty.');
  if (email.length === 0)
    throw new UnsubscribeTokenError('Cannot make a token for an empty address.');
  const encoded = Buffer.from(email, 'utf8').toString('base64url');
  return `${VERSION}.${encoded}.${mac(email, secret).toString('base64url')}`;
}

/** Strict base64url: only the canonical encoding of some bytes is accepted, so one token has one spelling. */
function decodeBase64Url(value: string): Buffer | null {
  if (!BASE64URL.test(value)) return null;
  const bytes = Buffer.from(value, 'base64url');
  return bytes.toString('base64url') === value ? bytes : null;
}

/** Checks a token from a URL. Never throws: anything unexpected is `{ok: false}`. */
export function verifyUnsubscribeToken(token: unknown, secret: string): UnsubscribeTokenResult {
  if (typeof token !== 'string' || token.length > 1024) return { ok: false, reason: 'malformed' };
  if (secret.length === 0) return { ok: false, reason: 'no-secret' };
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, reason: 'malformed' };
  const [version, emailPart, sigPart] = parts as [string, string, string];
  if (version !== VERSION) return { ok: false, reason: 'unsupported-version' };
  const emailBytes = decodeBase64Url(emailPart);
  const given = decodeBase64Url(sigPart);
  if (emailBytes === null || given === null || emailBytes.length > MAX_EMAIL_BYTES) {
    return { ok: false, reason: 'malformed' };
  }
  const email = emailBytes.toString('utf8');
  // Invalid UTF-8 decodes to U+FFFD and would not round-trip: not a token we made.
  if (!Buffer.from(email, 'utf8').equals(emailBytes)) return { ok: false, reason: 'malformed' };
  const expected = mac(email, secret);
  // timingSafeEqual throws on length mismatch, so check first (the length is not secret).
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'bad-signature' };
  }
  return { ok: true, email };
}
