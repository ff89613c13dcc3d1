/**
 * The website item (`stmt#<id>` / `site`): the last revision the website was
 * told about, and the lock the website hook holds while it POSTs.
 */
import type { Ledger } from './client';
import { type HeldLock, updateLocked } from './lock';

export const SITE_SK = 'site';

/** The revision the website was last told about (a release or the withdrawal), if any. */
export function lastPostedOf(item: Record<string, unknown>): number | null {
  return typeof item.lastPostedRevision === 'number' ? item.lastPostedRevision : null;
}

export async function recordPosted(
  ledger: Ledger,
  lock: HeldLock,
  posted: { revision: number; type: string; now: Date },
): Promise<void> {
  await updateLocked(ledger, lock, {
    UpdateExpression: 'SET lastPostedRevision = :rev, lastPostedType = :type, lastPostedAt = :now',
    ExpressionAttributeValues: {
      ':rev': posted.revision,
      ':type': posted.type,
      ':now': posted.now.toISOString(),
    },
  });
}
