/**
 * How each platform counts a post. Every measure is what
 * the platform itself enforces, so a post we call valid is one it accepts.
 */
import twitterText from 'twitter-text';

export const PLATFORMS = ['x', 'bluesky', 'mastodon', 'linkedin'] as const;
export type Platform = (typeof PLATFORMS)[number];

export const PLATFORM_NAMES: Record<Platform, string> = {
  x: 'X',
  bluesky: 'Bluesky',
  mastodon: 'Mastodon',
  linkedin: 'LinkedIn',
};

export const LIMITS = {
  x: 280,
  blueskyGraphemes: 300,
  blueskyBytes: 3_000,
  mastodon: 500,
  /** Mastodon's default `characters_reserved_per_url`. */
  mastodonUrl: 23,
  linkedin: 3_000,
} as const;

/** What a measure found: the first limit the text breaks, or ok. */
export interface Measurement {
  ok: boolean;
  measured: number;
  limit: number;
  /** How the number was counted, in words a comms officer understands. */
  unit: string;
}

const graphemeSegmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** User-perceived characters (an emoji with skin tone or a flag is one). */
export function graphemeCount(text: string): number {
  let n = 0;
  for (const _ of graphemeSegmenter.segment(text)) n++;
  return n;
}

export function graphemes(text: string): string[] {
  return Array.from(graphemeSegmenter.segment(text), (s) => s.segment);
}

export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/**
 * X: twitter-text's weighted length (URLs 23, CJK and emoji 2, `…` 2) on the
 * NFC form, which is what X counts. `valid` also rejects empty text and
 * characters X refuses (U+FFFE, U+FEFF, U+FFFF).
 */
export function measureX(text: string): Measurement & { valid: boolean } {
  const parsed = twitterText.parseTweet(text.normalize('NFC'));
  return {
    ok: parsed.valid && parsed.weightedLength <= LIMITS.x,
    valid: parsed.valid,
    measured: parsed.weightedLength,
    limit: LIMITS.x,
    unit: 'characters as X counts them (every link counts 23; emoji, Chinese, Japanese and Korean characters and … count 2)',
  };
}

/** Bluesky: 300 graphemes and 3,000 UTF-8 bytes; links count their full visible text. */
export function measureBluesky(text: string): Measurement {
  const count = graphemeCount(text);
  if (count > LIMITS.blueskyGraphemes) {
    return {
      ok: false,
      measured: count,
      limit: LIMITS.blueskyGraphemes,
      unit: 'characters (each emoji counts 1; links count every character)',
    };
  }
  const bytes = utf8Length(text);
  return bytes > LIMITS.blueskyBytes
    ? { ok: false, measured: bytes, limit: LIMITS.blueskyBytes, unit: 'bytes of UTF-8' }
    : { ok: true, measured: count, limit: LIMITS.blueskyGraphemes, unit: 'characters' };
}

const MASTODON_URL_PLACEHOLDER = 'x'.repeat(LIMITS.mastodonUrl);

/**
 * Mastodon (StatusLengthValidator): graphemes, with every URL that has a
 * scheme counted as 23. Remote mentions (`@user@host`) count their full text
 * here, which is more than Mastodon counts: safe, never too generous.
 */
export function measureMastodon(text: string): Measurement {
  const urls = twitterText.extractUrlsWithIndices(text, { extractUrlsWithoutProtocol: false });
  let countable = '';
  let at = 0;
  for (const { indices } of urls) {
    countable += text.slice(at, indices[0]) + MASTODON_URL_PLACEHOLDER;
    at = indices[1];
  }
  countable += text.slice(at);
  const count = graphemeCount(countable);
  return {
    ok: count <= LIMITS.mastodon,
    measured: count,
    limit: LIMITS.mastodon,
    unit: 'characters as Mastodon counts them (every link counts 23)',
  };
}

// LinkedIn's "little" text format needs these backslash-escaped (Microsoft's "little" text format documentation).
const LINKEDIN_RESERVED = /[\\|{}@[\]()<>#*_~]/g;

/** The text as LinkedIn's API must receive it (reserved characters escaped). */
export function escapeLinkedInLittle(text: string): string {
  return text.replace(LINKEDIN_RESERVED, '\\$&');
}

/**
 * LinkedIn: 3,000 characters; the official unit is not confirmed, so count
 * UTF-16 code units (never fewer than code points or graphemes) of the escaped
 * text the API receives. Conservative by design.
 */
export function measureLinkedIn(text: string): Measurement {
  const count = escapeLinkedInLittle(text).length;
  return {
    ok: count <= LIMITS.linkedin,
    measured: count,
    limit: LIMITS.linkedin,
    unit: 'characters as LinkedIn counts them (each of \\ | { } @ [ ] ( ) < > # * _ ~ counts 2)',
  };
}

export const MEASURES: Record<Platform, (text: string) => Measurement> = {
  x: measureX,
  bluesky: measureBluesky,
  mastodon: measureMastodon,
  linkedin: measureLinkedIn,
};
