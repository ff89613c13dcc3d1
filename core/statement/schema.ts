/**
 * Statement format v1 (docs/statement-format.md): the single source of truth for what a comms
 * officer may write. The JSON Schema in schemas/statement.schema.json is
 * generated from this file (npm run schemas), and every error message here is
 * written for a person editing the file, not for a developer.
 */
import { z } from 'zod';
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
 * (core/render/markdown, emailSizeWarnings).
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
const MULTI_LINE_FORBIDDEN = /[\0-\x08\x0b\x0c\x0e-\x1f\x7f]/;
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

const brokenCharacter = (what: string) =>
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
const PHONE = /^\+?[0-9][0-9 ()-]{4,24}[0-9]$/;
const EMAIL = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:"]+$/;

export const KINDS = [
  'press-release',
  'partnership-statement',
  'media-advisory',
  'statement',
] as const;
export type StatementKind = (typeof KINDS)[number];

export const KIND_LABELS: Record<StatementKind, string> = {
  'press-release': 'Press release',
  'partnership-statement': 'Partnership statement',
  'media-advisory': 'Media advisory',
  statement: 'Statement',
};

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

const organisation = z.strictObject(
  {
    name: singleLine(LIMITS.shortText, 'The organisation name'),
    shortName: singleLine(32, 'The organisation short name').optional(),
    website: httpsUrl('The organisation website').optional(),
    logoUrl: httpsUrl('The logo address').optional(),
  },
  {
    error:
      'organisation must be an object like {"name": "Birmingham Safeguarding Children Partnership"}.',
  },
);

const embargo = z.strictObject(
  {
    until: z
      .string({ error: 'embargo.until must be a date and time in double quotes.' })
      .refine(isIsoInstant, {
        error:
          'embargo.until must be an ISO 8601 date and time with a time zone offset, for example "2024-02-21T00:01:00Z" or "2024-06-05T10:00:00+01:00".',
      }),
    timezone: z
      .string({ error: 'embargo.timezone must be text in double quotes.' })
      .refine(isIanaTimeZone, {
        error:
          'embargo.timezone must be an IANA time zone name such as "Europe/London" or "America/New_York".',
      })
      .optional(),
  },
  { error: 'embargo must be an object like {"until": "2024-02-21T00:01:00Z"}.' },
);

const person = (what: string) =>
  z.strictObject(
    {
      name: singleLine(LIMITS.shortText, `The ${what} name`),
      role: singleLine(LIMITS.shortText, `The ${what} role`).optional(),
    },
    { error: `${what} must be an object like {"name": "Jo Bloggs", "role": "Chair"}.` },
  );

const mediaContact = z
  .strictObject(
    {
      name: singleLine(LIMITS.shortText, 'The media contact name'),
      role: singleLine(LIMITS.shortText, 'The media contact role').optional(),
      email: emailAddress('The media contact email').optional(),
      phone: z
        .string({ error: 'The media contact phone must be text in double quotes.' })
        .trim()
        .refine((s) => PHONE.test(s), {
          error:
            'The media contact phone must be a phone number made of digits, spaces, brackets and dashes, optionally starting with +, e.g. "0121 303 1888".',
        })
        .optional(),
    },
    {
      error:
        'mediaContact must be an object like {"name": "Jo Bloggs", "email": "press@example.org"}.',
    },
  )
  .refine((c) => c.email !== undefined || c.phone !== undefined, {
    error:
      'The media contact needs an email or a phone number (or both) so journalists can reach them.',
  });

const link = z.strictObject(
  {
    label: singleLine(LIMITS.shortText, 'The link label'),
    url: httpsUrl('The link address'),
  },
  { error: 'Each link must be an object like {"label": "Read the review", "url": "https://…"}.' },
);

const socialText = (platform: string) =>
  z
    .string({ error: `The ${platform} text must be text in double quotes.` })
    .refine((s) => s.trim().length > 0, {
      error: `The ${platform} text is empty; remove it to use the generated copy.`,
    })
    .refine((s) => s.length <= LIMITS.socialOverride, {
      error: `The ${platform} text is far too long.`,
    })
    .refine((s) => !MULTI_LINE_FORBIDDEN.test(s), {
      error: `The ${platform} text contains invisible control characters.`,
    })
    .refine((s) => !LONE_SURROGATE.test(s), { error: brokenCharacter(`The ${platform} text`) })
    .optional();

const social = z.strictObject(
  {
    hashtags: z
      .array(
        z
          .string({ error: 'Each hashtag must be text in double quotes.' })
          .max(LIMITS.tag, {
            error: `A hashtag is too long: keep it to ${LIMITS.tag} characters or fewer.`,
          })
          .refine((s) => HASHTAG.test(s), {
            error:
              'A hashtag must be letters and digits only, without the # sign or spaces, e.g. "SafeguardingChildren".',
          }),
        { error: 'social.hashtags must be a list like ["Safeguarding", "Birmingham"].' },
      )
      .max(LIMITS.hashtags, { error: `Use at most ${LIMITS.hashtags} hashtags.` })
      .optional(),
    url: httpsUrl('The social link').optional(),
    text: z
      .strictObject(
        {
          x: socialText('X'),
          bluesky: socialText('Bluesky'),
          mastodon: socialText('Mastodon'),
          linkedin: socialText('LinkedIn'),
        },
        {
          error:
            'social.text must be an object with any of "x", "bluesky", "mastodon", "linkedin".',
        },
      )
      .optional(),
  },
  { error: 'social must be an object with any of "hashtags", "url", "text".' },
);

const channels = z.strictObject(
  {
    press: z
      .boolean({ error: 'channels.press must be true or false (without quotes).' })
      .default(true),
    partners: z
      .boolean({ error: 'channels.partners must be true or false (without quotes).' })
      .default(true),
    website: z
      .boolean({ error: 'channels.website must be true or false (without quotes).' })
      .default(true),
  },
  { error: 'channels must be an object like {"press": true, "partners": true, "website": false}.' },
);

/** Fields read by the statement-level cross-field check below. */
const CROSS_CHECKED: ReadonlySet<string> = new Set([
  'revision',
  'status',
  'correction',
  'withdrawalReason',
]);

export const statementSchema = z
  .strictObject({
    $schema: z
      .string({ error: '$schema must be text (the address of the statement JSON Schema).' })
      .optional(),
    schemaVersion: z.literal(1, { error: 'schemaVersion must be 1 (or leave it out).' }).default(1),
    id: z.string({ error: 'id must be text in double quotes.' }).regex(STATEMENT_ID, {
      error:
        'id must be 3–64 characters of lower-case letters, digits and dashes, starting with a letter or digit, e.g. "bscp-2024-02-scr". Keep it the same for every revision.',
    }),
    revision: z
      .number({ error: 'revision must be a whole number (without quotes), starting at 1.' })
      .int({ error: 'revision must be a whole number, starting at 1.' })
      .min(1, { error: 'revision starts at 1; bump it by one for each correction.' })
      .max(999, { error: 'revision must be below 1000.' })
      .default(1),
    status: z
      .enum(['publish', 'withdraw'], { error: 'status must be "publish" or "withdraw".' })
      .default('publish'),
    correction: singleLine(LIMITS.reason, 'The correction note').optional(),
    withdrawalReason: singleLine(LIMITS.reason, 'The withdrawal reason').optional(),
    kind: z
      .enum(KINDS, { error: `kind must be one of ${KINDS.map((k) => `"${k}"`).join(', ')}.` })
      .default('press-release'),
    reference: singleLine(LIMITS.reference, 'The reference').optional(),
    organisation,
    issued: z
      .string({ error: 'issued must be a date in double quotes, like "2024-02-21".' })
      .refine(isRealDate, {
        error: 'issued must be a real calendar date written YYYY-MM-DD, like "2024-02-21".',
      }),
    embargo: embargo.optional(),
    language: z
      .string({ error: 'language must be a language tag in double quotes, like "en-GB" or "cy".' })
      .max(LIMITS.language, {
        error: `language is too long for a language tag: keep it to ${LIMITS.language} characters or fewer, like "en-GB".`,
        abort: true,
      })
      .refine(isLanguageTag, {
        error: 'language must be a BCP 47 language tag such as "en-GB", "cy" or "pl".',
      })
      .default('en-GB'),
    headline: singleLine(LIMITS.headline, 'The headline'),
    subheading: singleLine(LIMITS.subheading, 'The subheading').optional(),
    summary: singleLine(LIMITS.summary, 'The summary').optional(),
    body: markdown(LIMITS.body, 'The body'),
    signoff: person('signoff').optional(),
    callout: markdown(LIMITS.callout, 'The callout').optional(),
    notesToEditors: markdown(LIMITS.notesToEditors, 'The notes to editors').optional(),
    mediaContact,
    links: z
      .array(link, { error: 'links must be a list of {"label", "url"} objects.' })
      .max(LIMITS.links, { error: `Use at most ${LIMITS.links} links.` })
      .optional(),
    topics: z
      .array(
        z
          .string({ error: 'Each topic must be text in double quotes.' })
          .max(LIMITS.tag, {
            error: `A topic is too long: keep it to ${LIMITS.tag} characters or fewer.`,
          })
          .regex(TOPIC_SLUG, {
            error:
              'A topic must be a lower-case slug of letters, digits and dashes, e.g. "child-safeguarding".',
          }),
        { error: 'topics must be a list like ["safeguarding", "health"].' },
      )
      .max(LIMITS.topics, { error: `Use at most ${LIMITS.topics} topics.` })
      .refine((t) => new Set(t).size === t.length, { error: 'topics lists the same topic twice.' })
      .optional(),
    channels: channels.optional(),
    social: social.optional(),
  })
  .superRefine(
    (s, ctx) => {
      if (s.status === 'publish' && s.revision > 1 && s.correction === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['correction'],
          message: `A revision ${s.revision} statement needs "correction": a sentence telling journalists what changed.`,
        });
      }
      if (s.status === 'withdraw' && s.withdrawalReason === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['withdrawalReason'],
          message:
            'A withdrawn statement needs "withdrawalReason": a sentence telling journalists why.',
        });
      }
    },
    {
      // Run even when other fields are wrong, so the author sees every error at once;
      // skip only when the fields this check reads are themselves invalid.
      when: (payload) =>
        !payload.issues.some((i) => CROSS_CHECKED.has(String(i.path?.[0] ?? ''))) &&
        typeof payload.value === 'object' &&
        payload.value !== null &&
        !Array.isArray(payload.value),
    },
  );

/** What the author writes (defaults optional). */
export type StatementInput = z.input<typeof statementSchema>;
/** A validated statement with defaults applied. */
export type Statement = z.output<typeof statementSchema>;
