/**
 * Address helpers with no dependencies, so the send, feedback and unsubscribe
 * bundles can use them without pulling in the CSV parser or the statement
 * schema (core/press-list/index.ts re-exports them).
 */

/** The form used for de-duplication, ledger keys and suppression. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** `j…@example.org`: enough for a person to recognise their address, not enough to harvest it. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '…';
  return `${Array.from(email.slice(0, at))[0]}…${email.slice(at)}`;
}
