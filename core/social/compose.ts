/**
 * Fitting a post into a platform's limit: `lead (shortened at a word with …)`,
 * then the link, then the hashtags. The link and hashtags are kept whole; only
 * the lead is shortened, at a word boundary and never inside a URL.
 */
import twitterText from 'twitter-text';
import { graphemes, type Measurement } from './counting';

export interface PostLink {
  /** Where the link goes. */
  href: string;
  /** What the post shows (the href, or a shortened label on Bluesky). */
  display: string;
}

/** A piece of the assembled post; links and tags become Bluesky facets. */
export type Piece =
  | { kind: 'text'; text: string }
  | { kind: 'link'; text: string; href: string }
  | { kind: 'tag'; text: string; tag: string };

export interface Draft {
  lead: string;
  link: PostLink | null;
  /** Formatted hashtags, `#Safeguarding`. */
  tags: string[];
}

const ELLIPSIS = '…';
const SEPARATOR = '\n\n';

/** The post as pieces: lead, blank line, link, blank line, hashtags. */
export function assemble(lead: string, link: PostLink | null, tags: string[]): Piece[] {
  const pieces: Piece[] = [];
  const push = (piece: Piece) => {
    if (pieces.length > 0) pieces.push({ kind: 'text', text: SEPARATOR });
    pieces.push(piece);
  };
  if (lead !== '') push({ kind: 'text', text: lead });
  if (link) push({ kind: 'link', text: link.display, href: link.href });
  tags.forEach((tag, i) => {
    if (i === 0) push({ kind: 'tag', text: tag, tag: tag.slice(1) });
    else {
      pieces.push({ kind: 'text', text: ' ' });
      pieces.push({ kind: 'tag', text: tag, tag: tag.slice(1) });
    }
  });
  return pieces;
}

export const textOf = (pieces: Piece[]): string => pieces.map((p) => p.text).join('');

/** UTF-16 ranges of the URLs in `text` (with or without a scheme, as X and Bluesky link them). */
export function urlRanges(text: string): Array<{ url: string; start: number; end: number }> {
  return twitterText
    .extractUrlsWithIndices(text)
    .map(({ url, indices }) => ({ url, start: indices[0], end: indices[1] }));
}

/**
 * Every way to shorten `lead`, longest first: the whole lead, then cuts after
 * each word (Intl.Segmenter, so Chinese and Japanese break between words too)
 * that does not fall inside a URL, each ending in `…`.
 */
export function shortenings(lead: string, language: string): string[] {
  const protectedRanges = urlRanges(lead);
  const insideUrl = (i: number) => protectedRanges.some((r) => i > r.start && i < r.end);
  const endsUrl = (i: number) => protectedRanges.some((r) => i === r.end);
  const segmenter = new Intl.Segmenter(safeLocale(language), { granularity: 'word' });
  const cuts: string[] = [];
  for (const s of segmenter.segment(lead)) {
    const end = s.index + s.segment.length;
    if (!s.isWordLike || end >= lead.length || insideUrl(end)) continue;
    // A dangling comma or dash before … reads as a typo; a URL's last character is kept.
    const kept = endsUrl(end)
      ? lead.slice(0, end)
      : lead.slice(0, end).replace(/[\s,;:–—-]+$/u, '');
    if (kept === '') continue;
    cuts.push(endsUrl(end) ? `${kept} ${ELLIPSIS}` : `${kept}${ELLIPSIS}`);
  }
  return [lead, ...cuts.reverse()];
}

/**
 * Last resort when a single word is longer than the whole post can hold: cut
 * between graphemes (never inside an emoji or accented letter), longest first.
 */
export function hardCuts(lead: string): string[] {
  const chars = graphemes(lead);
  const out: string[] = [];
  for (let n = chars.length - 1; n >= 1; n--)
    out.push(`${chars.slice(0, n).join('').trimEnd()}${ELLIPSIS}`);
  return out;
}

/**
 * The longest candidate (candidates are ordered longest first) whose post
 * fits, by binary search: a shorter cut never measures more (cuts are whole
 * words or graphemes, URLs are never split). Null when even the shortest does
 * not fit.
 */
export function longestFitting(
  candidates: string[],
  build: (lead: string) => Piece[],
  measure: (text: string) => Measurement,
): Piece[] | null {
  const tryAt = (i: number): Piece[] | null => {
    const pieces = build(candidates[i] as string);
    return measure(textOf(pieces)).ok ? pieces : null;
  };
  if (candidates.length === 0) return null;
  const longest = tryAt(0);
  if (longest) return longest;
  let best = tryAt(candidates.length - 1);
  if (!best) return null;
  let lo = 1;
  let hi = candidates.length - 2;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const pieces = tryAt(mid);
    if (pieces) {
      best = pieces;
      hi = mid - 1;
    } else lo = mid + 1;
  }
  return best;
}

function safeLocale(language: string): string | undefined {
  try {
    return Intl.getCanonicalLocales(language)[0];
  } catch {
    return undefined;
  }
}
