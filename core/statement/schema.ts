/**
 * Statement format v1 (docs/statement-format.md): the single source of truth for what a comms
 * officer may write. The JSON Schema in schemas/statement.schema.json is
 * generated from this file (npm run schemas), and every error message here is
 * written for a person editing the file, not for a developer.
 */
import * as z from 'zod';
import {
  brokenCharacter,
  emailAddress,
  HASHTAG,
  httpsUrl,
  isIanaTimeZone,
  isIsoInstant,
  isLanguageTag,
  isRealDate,
  LIMITS,
  LONE_SURROGATE,
  MULTI_LINE_FORBIDDEN,
  markdown,
  PHONE,
  STATEMENT_ID,
  singleLine,
  TOPIC_SLUG,
} from './primitives';

export const KINDS = [
  'press-release',
  'partnership-statement',
  'media-advisory',
  'statement',
] as const;
export type StatementKind = (typeof KINDS)[number];

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
