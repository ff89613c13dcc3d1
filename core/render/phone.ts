/**
 * UK phone numbers in statement text → `tel:` links. Deliberately conservative:
 * a false link on a reference, a date or a sum of money is worse than a number
 * left as text, so only the shapes UK numbers are written in match, and the
 * digit count must be a real UK number's (0 + 9 or 10 digits, or +44 + 9 or 10).
 * Hand-written: libphonenumber-js knows every country's plan but would link far
 * more shapes (and weighs ~150 KB); Herald's statements are UK press statements.
 */

// Spaces inside a number: ASCII or no-break.
const SP = '[ \\u00A0]';
const GROUPS = `(?:${SP}\\d{3,6}){1,2}`;
const NATIONAL = `0\\d{2,4}${GROUPS}|0\\d{9,10}`;
const INTERNATIONAL = `\\+44${SP}?(?:\\(0\\)${SP}?)?(?:\\d{2,4}${GROUPS}|\\d{9,10})`;
// Not glued to a word, a sum of money, a path or a longer run of digit groups.
const BEFORE = `(?<![\\p{L}\\p{N}_£$€@#/.+\\-]|\\d${SP})`;
const AFTER = `(?![\\p{L}\\p{N}_]|${SP}\\d|[.,/\\-]\\d)`;
const CANDIDATE = new RegExp(`${BEFORE}(?:${INTERNATIONAL}|${NATIONAL})${AFTER}`, 'gu');

export interface PhoneMatch {
  /** UTF-16 offsets in the searched text (end exclusive). */
  start: number;
  end: number;
  /** `tel:+441213031888` (E.164). */
  href: string;
}

/** The national significant number (no leading 0, no +44), or null if this is not a UK number. */
function nationalNumber(candidate: string): string | null {
  const international = candidate.startsWith('+44');
  const digits = (international ? candidate.slice(3).replace('(0)', '') : candidate).replace(
    /\D/g,
    '',
  );
  const nsn = international ? digits : digits.slice(1);
  if (!international && !digits.startsWith('0')) return null;
  // UK numbers start 1, 2, 3, 5, 7, 8 or 9 after the 0 and have 9 or 10 more digits.
  return /^[1235789]\d{8,9}$/.test(nsn) ? nsn : null;
}

/** Every UK phone number written out in `text`, in order. */
export function findPhoneNumbers(text: string): PhoneMatch[] {
  const found: PhoneMatch[] = [];
  for (const m of text.matchAll(CANDIDATE)) {
    const nsn = nationalNumber(m[0]);
    if (nsn === null || m.index === undefined) continue;
    found.push({ start: m.index, end: m.index + m[0].length, href: `tel:+44${nsn}` });
  }
  return found;
}

/**
 * The `tel:` href for the media contact's number (the schema has checked its
 * shape): E.164 for UK numbers, else its digits with any leading +.
 */
export function telHref(phone: string): string {
  const trimmed = phone.trim();
  const nsn = nationalNumber(trimmed);
  if (nsn !== null) return `tel:+44${nsn}`;
  const plus = trimmed.startsWith('+') ? '+' : '';
  return `tel:${plus}${trimmed.replace(/\(0\)/, '').replace(/\D/g, '')}`;
}
