/**
 * The partner message (docs/partners.md) as a zod schema. scripts/generate-schemas
 * turns it into schemas/partner-message.schema.json with z.toJSONSchema, so it
 * uses only representable constructs (no transforms, no refinements) and its
 * output type is exactly PartnerEnvelope (checked in test/core/envelope.test.ts).
 * Objects are strict: a new field is a new envelope version.
 */
import * as z from 'zod';
import { KINDS } from '../statement/schema';
import { PARTNER_ENVELOPE_VERSION } from '../types';

const nullableText = (description: string) => z.string().nullable().meta({ description });

const socialPost = z.strictObject({
  text: z.string().meta({ description: 'The post; empty means post nothing (a withdrawal).' }),
  notBefore: z.iso
    .datetime()
    .nullable()
    .meta({ description: 'Embargo lift (UTC): do not post before it. Null: no embargo.' }),
});

const blueskyFacet = z.strictObject({
  index: z
    .strictObject({
      byteStart: z.number().int().min(0),
      byteEnd: z.number().int().min(0),
    })
    .meta({ description: 'UTF-8 byte offsets into text: byteStart inclusive, byteEnd exclusive.' }),
  features: z.array(
    z.discriminatedUnion('$type', [
      z.strictObject({ $type: z.literal('app.bsky.richtext.facet#link'), uri: z.string() }),
      z.strictObject({ $type: z.literal('app.bsky.richtext.facet#tag'), tag: z.string() }),
    ]),
  ),
});

const dedupeKey = (types: string) =>
  z
    .string()
    .regex(new RegExp(`^[a-z0-9][a-z0-9-]{2,63}#[1-9][0-9]*#statement\\.(${types})$`))
    .meta({
      description:
        '<id>#<revision>#<type>: the same for every redelivery of this message, so subscribers can drop duplicates.',
    });
const sentAt = z.iso.datetime().meta({ description: 'When Herald published this message (UTC).' });
const organisation = z.strictObject({
  name: z.string(),
  shortName: z.string().nullable(),
  website: z.string().nullable(),
});

const statementMessage = z
  .strictObject({
    type: z.enum(['statement.published', 'statement.corrected', 'statement.released']),
    version: z.literal(PARTNER_ENVELOPE_VERSION),
    dedupeKey: dedupeKey('published|corrected|released'),
    sentAt,
    statement: z.strictObject({
      id: z.string(),
      revision: z.number().int().min(1),
      status: z.literal('publish'),
      kind: z.enum(KINDS),
      reference: nullableText('The issuer’s own reference, e.g. "BSCB 2018-19/01".'),
      organisation,
      issued: z.iso.date(),
      language: z.string().meta({ description: 'BCP 47 language tag of the statement.' }),
      headline: z.string(),
      subheading: z.string().nullable(),
      summary: z
        .string()
        .meta({ description: 'The summary, or the first paragraph as plain text.' }),
      topics: z.array(z.string()),
      embargo: z
        .strictObject({
          until: z.iso.datetime(),
          display: z.string(),
          timezone: z.string(),
        })
        .nullable()
        .meta({
          description:
            'The embargo in force for this revision (null: none). It has lifted once a statement.released message is sent.',
        }),
      correction: nullableText('What changed in this revision (corrections only).'),
      mediaContact: z.strictObject({
        name: z.string(),
        role: z.string().nullable(),
        email: z.string().nullable(),
        phone: z.string().nullable(),
      }),
    }),
    content: z.strictObject({
      text: z.string().meta({ description: 'The whole statement as plain text.' }),
    }),
    social: z.strictObject({
      x: socialPost,
      bluesky: socialPost.extend({ facets: z.array(blueskyFacet) }),
      mastodon: socialPost,
      linkedin: socialPost,
    }),
    links: z.array(z.strictObject({ label: z.string(), url: z.string() })),
  })
  .meta({ title: 'A statement: published, corrected or released' });

const withdrawalMessage = z
  .strictObject({
    type: z.literal('statement.withdrawn'),
    version: z.literal(PARTNER_ENVELOPE_VERSION),
    dedupeKey: dedupeKey('withdrawn'),
    sentAt,
    statement: z.strictObject({
      id: z.string(),
      revision: z.number().int().min(1),
      status: z.literal('withdraw'),
      reference: nullableText('The issuer’s own reference, e.g. "BSCB 2018-19/01".'),
      organisation,
      withdrawalReason: z.string().meta({ description: 'Why the statement was withdrawn.' }),
      withdrawnAt: z.iso
        .datetime()
        .meta({ description: 'When Herald processed the withdrawal (UTC).' }),
    }),
  })
  .meta({
    title: 'A withdrawal',
    description:
      'Final: remove the statement with this id. It carries none of the withdrawn text; drop anything of this id you receive later.',
  });

export const partnerMessageSchema = z.union([statementMessage, withdrawalMessage]).meta({
  title: 'Herald partner message',
  description:
    'Published to the Herald partners topic. Filter on the message attributes type, organisation, topics, embargoed and kind.',
});
