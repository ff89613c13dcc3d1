/**
 * Approve and Reject links in a proof email: one token per approver, revision
 * and action, signed with the approval key and valid until `expires`.
 *
 * `a1.<base64url(JSON payload)>.<base64url(HMAC-SHA256(secret, "approval:a1:" + payload part))>`
 *
 * The signature proves Herald made the link for that approver; it cannot make
 * a link single-use. The approval function does that in the ledger: the first
 * decision of an approver on a revision is recorded with a conditional write,
 * and every later use of either of their links is refused.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { HeraldError } from '../errors';

const VERSION = 'a1';
const PURPOSE = 'approval:a1:';
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const MAX_TOKEN_LENGTH = 2048;

export const APPROVAL_ACTIONS = ['approve', 'reject'] as const;
export type ApprovalAction = (typeof APPROVAL_ACTIONS)[number];

export interface ApprovalClaims {
  id: string;
  revision: number;
  /** The approver's address, lower-case. */
  approver: string;
  /** How the audit trail names them (from the config when the link was made). */
  name: string;
  action: ApprovalAction;
  /** When the link stops working (unix seconds). */
  expires: number;
}

export class ApprovalTokenError extends HeraldError {
  override name = 'ApprovalTokenError';
}

export type ApprovalTokenReason = 'malformed' | 'unsupported-version' | 'bad-signature' | 'expired';

export type ApprovalTokenResult =
  | { ok: true; claims: ApprovalClaims }
  | { ok: false; reason: ApprovalTokenReason };

function mac(payload: string, secret: string): Buffer {
  return createHmac('sha256', secret)
    .update(PURPOSE + payload, 'utf8')
    .digest();
}

/** The token for one approver's link. Throws only on programming mistakes. */
export function createApprovalToken(claims: ApprovalClaims, secret: string): string {
  if (secret.length === 0) throw new ApprovalTokenError('The approval key is empty.');
  if (!Number.isSafeInteger(claims.expires)) {
    throw new ApprovalTokenError('An approval link needs an expiry in whole unix seconds.');
  }
  const payload = Buffer.from(
    JSON.stringify({
      i: claims.id,
      r: claims.revision,
      a: claims.approver.toLowerCase(),
      n: claims.name,
      x: claims.action,
      e: claims.expires,
    }),
    'utf8',
  ).toString('base64url');
  return `${VERSION}.${payload}.${mac(payload, secret).toString('base64url')}`;
}

function decodeBase64Url(value: string): Buffer | null {
  if (!BASE64URL.test(value)) return null;
  const bytes = Buffer.from(value, 'base64url');
  return bytes.toString('base64url') === value ? bytes : null;
}

function claimsOf(json: unknown): ApprovalClaims | null {
  if (typeof json !== 'object' || json === null) return null;
  const { i, r, a, n, x, e } = json as Record<string, unknown>;
  if (
    typeof i !== 'string' ||
    typeof r !== 'number' ||
    !Number.isInteger(r) ||
    r < 1 ||
    typeof a !== 'string' ||
    a === '' ||
    typeof n !== 'string' ||
    (x !== 'approve' && x !== 'reject') ||
    typeof e !== 'number' ||
    !Number.isSafeInteger(e)
  ) {
    return null;
  }
  return { id: i, revision: r, approver: a, name: n, action: x, expires: e };
}

/**
 * Checks a token from a link at `now` (unix seconds). Never throws: anything
 * unexpected is `{ok: false}`. The signature is checked before the payload is
 * read, so a forged payload is never parsed.
 */
export function verifyApprovalToken(
  token: unknown,
  secret: string,
  now: number,
): ApprovalTokenResult {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH || secret.length === 0) {
    return { ok: false, reason: 'malformed' };
  }
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, reason: 'malformed' };
  const [version, payloadPart, sigPart] = parts as [string, string, string];
  if (version !== VERSION) return { ok: false, reason: 'unsupported-version' };
  const payload = decodeBase64Url(payloadPart);
  const given = decodeBase64Url(sigPart);
  if (payload === null || given === null) return { ok: false, reason: 'malformed' };
  const expected = mac(payloadPart, secret);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'bad-signature' };
  }
  let json: unknown;
  try {
    json = JSON.parse(payload.toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const claims = claimsOf(json);
  if (claims === null) return { ok: false, reason: 'malformed' };
  if (claims.expires <= now) return { ok: false, reason: 'expired' };
  return { ok: true, claims };
}
