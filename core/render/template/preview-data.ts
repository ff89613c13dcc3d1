/**
 * What previews of the press email are addressed with: the sample journalist
 * and example sender of `herald render` and `herald preview`, and the slot
 * values of the preview email.html / email.txt stored beside each rendered
 * revision. Clearly example values: none of them reaches a real inbox.
 */
import type { SlotValues } from '../slots';

/** The sample journalist a preview is addressed to, so it has the greeting real emails have. */
export const PREVIEW_RECIPIENT = { email: 'journalist@example.com', name: 'Sam Sample' } as const;

/**
 * Used when no herald.config.json is given or found.
 * The name is quoted: bare parentheses are an RFC 5322 comment, which mail libraries drop.
 */
export const EXAMPLE_SENDER = '"Herald Press Office (example)" <press@example.org>';

/** Where a preview's unsubscribe link points (a token follows as `?t=`). */
export const EXAMPLE_UNSUBSCRIBE_BASE = 'https://unsubscribe.example.org/u';

/** The unsubscribe link of `herald preview` (no per-recipient token). */
export const PREVIEW_UNSUBSCRIBE = `${EXAMPLE_UNSUBSCRIBE_BASE}?t=preview`;

/** What the stored preview email.html / email.txt show in the per-recipient slots. */
export const PREVIEW_SLOTS: SlotValues = {
  greeting: 'Dear Jane Smith,',
  unsubscribeUrl: 'https://unsubscribe.example.invalid/preview',
};
