/**
 * Social copy for X, Bluesky, Mastodon and LinkedIn, rendered once per
 * statement revision. Each post is `lead … link #Tags`, measured
 * the way its platform measures it, and carries `notBefore` = the embargo lift.
 *
 * Decisions:
 * - The post never says "EMBARGOED": it is published only after the lift and
 *   `notBefore` is the gate.
 * - A withdrawal must not promote the statement: every post has empty text
 *   (posters skip empty text); partners still get the envelope.
 * - All text is NFC-normalised (what X counts, and visually identical), and
 *   generated text loses control and non-characters; overrides are otherwise
 *   used as written.
 */
// The MJML-free markdown module, so the release Lambda (which builds envelopes) does not bundle MJML.
import { summaryOf } from '../render/markdown';
import type { Statement } from '../statement/schema';
import type { EmbargoInfo, Issue, SocialCopy } from '../types';
import {
  assemble,
  hardCuts,
  longestFitting,
  type Piece,
  type PostLink,
  shortenings,
  textOf,
} from './compose';
import {
  graphemeCount,
  graphemes,
  MEASURES,
  type Measurement,
  measureX,
  PLATFORM_NAMES,
  PLATFORMS,
  type Platform,
} from './counting';
import { detectFacets, facetsOf } from './facets';

export {
  escapeLinkedInLittle,
  graphemeCount,
  LIMITS as SOCIAL_LIMITS,
  measureBluesky,
  measureLinkedIn,
  measureMastodon,
  measureX,
  PLATFORMS,
  type Platform,
} from './counting';

/** A per-platform override (social.text.<platform>) is longer than the platform allows. */
export class SocialCopyTooLongError extends Error {
  override readonly name = 'SocialCopyTooLongError';
  readonly issue: Issue;
  constructor(
    readonly platform: Platform,
    readonly measured: number,
    readonly limit: number,
    message: string,
  ) {
    super(message);
    this.issue = { path: `social.text.${platform}`, message };
  }
}

/** A per-platform override contains characters the platform refuses (X: U+FFFE, U+FEFF, U+FFFF). */
export class SocialCopyInvalidError extends Error {
  override readonly name = 'SocialCopyInvalidError';
  readonly issue: Issue;
  constructor(
    readonly platform: Platform,
    message: string,
  ) {
    super(message);
    this.issue = { path: `social.text.${platform}`, message };
  }
}

type OverrideProblem = SocialCopyTooLongError | SocialCopyInvalidError;

/** Longest URL Bluesky shows in full; longer ones show a shortened label (the facet keeps the full URL). */
const BLUESKY_FULL_URL_MAX = 80;
const BLUESKY_URL_LABEL = 60;

/**
 * The four posts. Throws SocialCopyTooLongError / SocialCopyInvalidError when
 * an override does not fit (check first with checkSocialOverrides to report
 * every problem); generated copy always fits.
 */
export function renderSocial(statement: Statement, embargo: EmbargoInfo | null): SocialCopy {
  const notBefore = embargo?.until ?? null;
  if (statement.status === 'withdraw') {
    return {
      x: { text: '', notBefore },
      bluesky: { text: '', notBefore, facets: [] },
      mastodon: { text: '', notBefore },
      linkedin: { text: '', notBefore },
    };
  }
  const problem = overrideProblems(statement)[0];
  if (problem) throw problem;

  const lead = leadText(statement);
  const href = linkOf(statement);
  const tags = hashtagsOf(statement);
  const post = (platform: Platform): Piece[] => {
    const override = statement.social?.text?.[platform];
    if (override !== undefined) return [{ kind: 'text', text: normalise(override) }];
    const link = href === null ? null : { href, display: linkDisplay(platform, href) };
    return generate(platform, lead, link, tags, statement.language);
  };

  const bluesky = post('bluesky');
  return {
    x: { text: textOf(post('x')), notBefore },
    bluesky: { text: textOf(bluesky), notBefore, facets: facetsOf(bluesky) },
    mastodon: { text: textOf(post('mastodon')), notBefore },
    linkedin: { text: textOf(post('linkedin')), notBefore },
  };
}

/**
 * Overrides that would not fit, as validation issues (`social.text.x` …).
 * A withdrawal posts nothing, so its overrides are not checked: a too-long
 * tweet must never hold up a withdrawal.
 */
export function checkSocialOverrides(statement: Pick<Statement, 'status' | 'social'>): Issue[] {
  return overrideProblems(statement).map((p) => p.issue);
}

function overrideProblems(statement: Pick<Statement, 'status' | 'social'>): OverrideProblem[] {
  if (statement.status === 'withdraw') return [];
  const problems: OverrideProblem[] = [];
  for (const platform of PLATFORMS) {
    const text = statement.social?.text?.[platform];
    if (text === undefined) continue;
    const problem = overrideProblem(platform, normalise(text));
    if (problem) problems.push(problem);
  }
  return problems;
}

function overrideProblem(platform: Platform, text: string): OverrideProblem | null {
  const name = PLATFORM_NAMES[platform];
  const path = `social.text.${platform}`;
  if (platform === 'x') {
    const x = measureX(text);
    if (!x.valid && x.measured <= x.limit) {
      return new SocialCopyInvalidError(
        platform,
        `The X text (${path}) contains characters X refuses (such as an invisible byte-order mark, U+FEFF); retype it or paste it as plain text.`,
      );
    }
  }
  const m: Measurement = MEASURES[platform](text);
  if (m.ok) return null;
  return new SocialCopyTooLongError(
    platform,
    m.measured,
    m.limit,
    `The ${name} text (${path}) is ${m.measured} ${m.unit}; ${name} allows ${m.limit}. Shorten it by at least ${m.measured - m.limit}, or remove "${platform}" from social.text to use the generated copy.`,
  );
}

/** The best post that fits: the whole lead if possible, else cut at a word, keeping link and hashtags. */
function generate(
  platform: Platform,
  lead: string,
  link: PostLink | null,
  tags: string[],
  language: string,
): Piece[] {
  const measure = MEASURES[platform];
  const candidates = shortenings(lead, language);
  // Hashtags are dropped (last first) only when not even one word of the lead fits beside them.
  for (let n = tags.length; n >= 0; n--) {
    const kept = tags.slice(0, n);
    const pieces = longestFitting(candidates, (l) => assemble(l, link, kept), measure);
    if (pieces) return pieces;
  }
  // Only when a single word is longer than the post can hold (or the link is not one X recognises).
  const hard = hardCuts(lead);
  for (const l of link ? [link, null] : [null]) {
    const pieces = longestFitting(hard, (h) => assemble(h, l, []), measure);
    if (pieces) return pieces;
  }
  return [];
}

/** Headline, then the summary (or the body's first paragraph, cut as the email preheader's is). */
function leadText(statement: Statement): string {
  const headline = clean(statement.headline);
  const summary = clean(summaryOf(statement));
  if (summary === '' || summary === headline) return headline;
  return headline === '' ? summary : `${headline}\n\n${summary}`;
}

/** social.url, else the first link, else the organisation website. */
export function linkOf(statement: Statement): string | null {
  return (
    statement.social?.url ?? statement.links?.[0]?.url ?? statement.organisation.website ?? null
  );
}

/**
 * `#Safeguarding` from "safeguarding": the author's case is kept (they write
 * CamelCase for multi-word tags; we cannot split words reliably), with the
 * first letter capitalised. Duplicates (ignoring case) are dropped.
 */
export function hashtagsOf(statement: Pick<Statement, 'social'>): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of statement.social?.hashtags ?? []) {
    const tag = capitaliseFirst(normalise(raw));
    const key = tag.toLowerCase();
    if (tag === '' || seen.has(key)) continue;
    seen.add(key);
    out.push(`#${tag}`);
  }
  return out;
}

function capitaliseFirst(tag: string): string {
  const [first = '', ...rest] = Array.from(tag);
  const upper = first.toUpperCase();
  // 'ß'.toUpperCase() is 'SS': keep such letters rather than change the tag's spelling.
  return (Array.from(upper).length === 1 ? upper : first) + rest.join('');
}

function linkDisplay(platform: Platform, href: string): string {
  const shown = normalise(href);
  if (platform !== 'bluesky' || graphemeCount(shown) <= BLUESKY_FULL_URL_MAX) return shown;
  // Bluesky counts a link's visible text in full; show a label and keep the full URL in the facet.
  return `${graphemes(shown.replace(/^https:\/\//i, ''))
    .slice(0, BLUESKY_URL_LABEL)
    .join('')}…`;
}

// Lone surrogates become U+FFFD: they have no UTF-8 form and would break byte offsets.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function normalise(text: string): string {
  return text.replace(LONE_SURROGATE, '\uFFFD').normalize('NFC');
}

/** Generated text: no control characters or non-characters X refuses, single spaces. */
function clean(text: string): string {
  return normalise(text)
    .replace(/[\p{Cc}\uFFFE\uFEFF\uFFFF]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Facets for any text, e.g. for a Bluesky post edited by hand before posting. */
export { detectFacets };
