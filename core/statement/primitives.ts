/**
 * The building blocks of the statement format (./schema) and of the config and
 * press list that reuse them: size caps, one-line text, Markdown text, https
 * links, email addresses and the checks behind them, with every message
 * written for a person editing the file.
 */
import * as z from 'zod';
import { STATEMENT_ID_PATTERN } from './id';

/** Largest statement file we accept, in bytes. */
export const MAX_STATEMENT_BYTES = 256 * 1024;

/**
 * Length caps for the free-text fields. They keep the partner envelope under
 * 200 KB for any valid statement of Latin text (SNS allows 256 KB for
 * email/HTTPS subscribers; a body near the cap in a 3-byte script has its
 * partner text shortened at a paragraph, see core/envelope).
 * The body cap allows a long report statement (about 9,000 words): its email
 * may pass Gmail's clipping size, which is a warning, not an error
 * (core/render/size-budget, emailSizeWarnings).
 */
export const LIMITS = {
  headline: 140,
  subheading: 250,
  summary: 280,
  reference: 64,
  body: 60_000,
  callout: 1_000,
  notesToEditors: 5_000,
  shortText: 200,
  reason: 1_000,
  url: 2_048,
  links: 10,
  topics: 10,
  hashtags: 10,
  /** Longest hashtag or topic slug: long enough for any real one, short enough for attributes and posts. */
  tag: 64,
  /** BCP 47 tags longer than this are not real languages (RFC 5646 §4.4.1 asks for 35). */
  language: 35,
  socialOverride: 3_000,
} as const;

const LINE_BREAK = /[\r\n]/;
// Every C0 control character except CR and LF (which get their own message), and DEL:
// invisible to the author, and they break email headers, JSON and terminals downstream.
// biome-ignore lint/suspicious/noControlCharactersInRegex: this regex exists to find control characters.
const SINGLE_LINE_CONTROL = /[\0-\x09\x0b\x0c\x0e-\x1f\x7f]/;
// Multi-line text may hold newlines and tabs, but no other control characters:
// they are invisible to the author and break JSON, MIME and terminals downstream.
// biome-ignore lint/suspicious/noControlCharactersInRegex: this regex exists to find control characters.
export const MULTI_LINE_FORBIDDEN = /[\0-\x08\x0b\x0c\x0e-\x1f\x7f]/;
/**
 * Half of a UTF-16 surrogate pair without its other half (JSON can spell one as
 * "\ud800"). It has no UTF-8 form: email, SNS and social APIs would turn it
 * into U+FFFD or refuse the message, so the author must retype the character.
 */
export const LONE_SURROGATE =
  /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The first single-line control character in `text`, named for a person. */
function describeControl(text: string): string {
  const ch = SINGLE_LINE_CONTROL.exec(text)?.[0] ?? '';
  const code = `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
  if (ch === '\t') return `a tab (${code})`;
  if (ch === '\0') return `a NUL character (${code})`;
  return `an invisible control character (${code})`;
}

export const brokenCharacter = (what: string) =>
  `${what} contains a broken character (an unpaired surrogate); retype it.`;

/** A field that must stay on one line (it may reach an email header). */
export const singleLine = (max: number, what = 'This field') =>
  z
    .string({ error: `${what} must be text in double quotes.` })
    .trim()
    .min(1, { error: `${what} is empty; write some text or remove the field.` })
    .max(max, { error: `${what} is too long: keep it to ${max} characters or fewer.` })
    .refine((s) => !LINE_BREAK.test(s), {
      error: `${what} must be on one line: remove the line breaks (\\n or \\r).`,
    })
    .refine((s) => !SINGLE_LINE_CONTROL.test(s), {
      error: (issue) =>
        `${what} contains ${describeControl(String(issue.input))}, which email programs cannot show; retype the text or paste it as plain text.`,
    })
    .refine((s) => !LONE_SURROGATE.test(s), { error: brokenCharacter(what) });

/** Markdown text: paragraphs, lists, links, emphasis, headings, quotes. Raw HTML is shown as text. */
export const markdown = (max: number, what = 'This field') =>
  z
    .string({ error: `${what} must be Markdown text in double quotes.` })
    .refine((s) => s.trim().length > 0, {
      error: `${what} is empty; write some text or remove the field.`,
    })
    .refine((s) => s.length <= max, {
      error: `${what} is too long: keep it to ${max} characters or fewer.`,
    })
    .refine((s) => !MULTI_LINE_FORBIDDEN.test(s), {
      error: `${what} contains invisible control characters; retype the text or paste it as plain text.`,
    })
    .refine((s) => !LONE_SURROGATE.test(s), { error: brokenCharacter(what) });

export const httpsUrl = (what = 'This link') =>
  z
    .string({ error: `${what} must be a web address in double quotes, starting with https://.` })
    .trim()
    .max(LIMITS.url, {
      error: `${what} is too long: keep it to ${LIMITS.url} characters or fewer.`,
    })
    .refine((s) => !LINE_BREAK.test(s) && !/\s/.test(s), {
      error: `${what} must not contain spaces or line breaks.`,
    })
    // The URL parser would silently drop or percent-encode these; make the author see them.
    .refine((s) => !SINGLE_LINE_CONTROL.test(s) && !LONE_SURROGATE.test(s), {
      error: `${what} contains an invisible or broken character; retype it.`,
    })
    .refine(isHttpsUrl, {
      error: `${what} must be a full web address starting with https:// (for example https://www.example.org/page).`,
    });

export function isHttpsUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (
      url.protocol === 'https:' && url.hostname.includes('.') && !url.username && !url.password
    );
  } catch {
    return false;
  }
}

export function isIanaTimeZone(value: string): boolean {
  if (!/^[A-Za-z_]+(?:\/[A-Za-z0-9_+-]+)*$/.test(value) && value !== 'UTC') return false;
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

export function isLanguageTag(value: string): boolean {
  try {
    return Intl.getCanonicalLocales(value).length === 1;
  } catch {
    return false;
  }
}

/** A calendar date that really exists, e.g. 2024-02-29 but not 2023-02-29. */
export function isRealDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const [, y, m, d] = match.map(Number) as [number, number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/** ISO 8601 date-time with an explicit offset or Z, e.g. 2024-02-21T00:01:00Z or 2024-06-05T10:00:00+01:00. */
export const ISO_INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

export function isIsoInstant(value: string): boolean {
  const match = ISO_INSTANT.exec(value);
  if (!match) return false;
  if (!isRealDate(`${match[1]}-${match[2]}-${match[3]}`)) return false;
  const hour = Number(match[4]);
  const minute = Number(match[5]);
  const second = Number(match[6] ?? '0');
  return hour < 24 && minute < 60 && second < 60 && !Number.isNaN(Date.parse(value));
}

/** Defined in ./id so the messages between functions can check ids without this schema. */
export const STATEMENT_ID = STATEMENT_ID_PATTERN;
export const TOPIC_SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
export const HASHTAG = /^[\p{L}\p{N}]+$/u;
export const PHONE = /^\+?[0-9][0-9 ()-]{4,24}[0-9]$/;
const EMAIL = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:"]+$/;

export const emailAddress = (what = 'This email address') =>
  z
    .string({ error: `${what} must be text in double quotes.` })
    .trim()
    .max(254, { error: `${what} is too long.` })
    .refine((s) => !SINGLE_LINE_CONTROL.test(s) && !LONE_SURROGATE.test(s), {
      error: `${what} contains an invisible or broken character; retype it.`,
    })
    .refine((s) => EMAIL.test(s), {
      error: `${what} is not a valid email address (it should look like name@example.org).`,
    });
