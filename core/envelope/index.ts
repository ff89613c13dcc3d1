/**
 * The partner message: a versioned JSON envelope plus the SNS message
 * attributes partners filter on (docs/partners.md). Pure: the ingest and
 * release handlers publish what this returns.
 */
// summaryOf from the MJML-free module: the release Lambda builds envelopes and must not bundle MJML.
import { summaryOf } from '../render/markdown';
import type { Statement } from '../statement/schema';
import {
  PARTNER_ENVELOPE_VERSION,
  type PartnerEnvelope,
  type PartnerMessageType,
  type PartnerOrganisation,
  type PartnerStatementMessage,
  type PartnerWithdrawalMessage,
  type RenderedStatement,
  type SnsMessageAttributes,
  type StatementMessageType,
} from '../types';

export { partnerMessageSchema } from './schema';

/**
 * Cap on body + attributes in UTF-8 bytes. SNS allows 256 KiB for the
 * email/HTTPS subscribers partners use; the margin covers SNS's own JSON
 * wrapping for non-raw delivery.
 */
export const MAX_PARTNER_MESSAGE_BYTES = 200 * 1024;

/** SNS raw delivery to SQS drops attributes beyond 10 (SNS documentation, raw message delivery). */
export const MAX_SNS_ATTRIBUTES = 10;

/** Even without its text the message is too large (never expected within the statement LIMITS). */
export class PartnerMessageTooLargeError extends Error {
  override readonly name = 'PartnerMessageTooLargeError';
  constructor(
    readonly dedupeKey: string,
    readonly bytes: number,
  ) {
    super(
      `The partner message ${dedupeKey} is ${bytes} bytes even with its text shortened; SNS partners can take at most ${MAX_PARTNER_MESSAGE_BYTES}. Shorten the statement's social text overrides, links or notes.`,
    );
  }
}

export interface PartnerMessage {
  message: PartnerEnvelope;
  /** JSON of `message`: the SNS Message. */
  body: string;
  attributes: SnsMessageAttributes;
}

/** What SNS counts toward its size limit: the body plus every attribute's name, type and value. */
export function partnerMessageBytes(body: string, attributes: SnsMessageAttributes): number {
  let bytes = Buffer.byteLength(body, 'utf8');
  for (const [name, { DataType, StringValue }] of Object.entries(attributes)) {
    bytes += Buffer.byteLength(name) + Buffer.byteLength(DataType) + Buffer.byteLength(StringValue);
  }
  return bytes;
}

export function dedupeKeyOf(
  statement: Pick<Statement, 'id' | 'revision'>,
  type: PartnerMessageType,
): string {
  return `${statement.id}#${statement.revision}#${type}`;
}

/**
 * The message for `type`. A withdrawal carries only which statement it was, why and
 * when (none of its text), whatever `rendered` holds.
 */
export function buildPartnerMessage(
  statement: Statement,
  rendered: RenderedStatement,
  type: PartnerMessageType,
  sentAt: Date,
): PartnerMessage {
  const attributes = attributesOf(statement, rendered, type, sentAt);
  if (type === 'statement.withdrawn') {
    const notice = withdrawalOf(statement, sentAt);
    return { message: notice, body: JSON.stringify(notice), attributes };
  }
  const message = envelopeOf(statement, rendered, type, sentAt);
  let body = JSON.stringify(message);
  if (partnerMessageBytes(body, attributes) < MAX_PARTNER_MESSAGE_BYTES)
    return { message, body, attributes };

  // Defence in depth: the largest statement in 3-byte characters stays just
  // under the cap (test/core/envelope.test.ts), but text JSON escapes to 6
  // bytes a character (control characters, lone surrogates) or Markdown
  // reference links repeated in the plain text can exceed it. Partners then
  // get whole paragraphs and a pointer to the full statement.
  const withoutText = { ...message, content: { text: '' } };
  const overhead = partnerMessageBytes(JSON.stringify(withoutText), attributes);
  const shortened = {
    ...message,
    content: {
      text: shortenText(rendered.plainText, statement, MAX_PARTNER_MESSAGE_BYTES - 1 - overhead),
    },
  };
  body = JSON.stringify(shortened);
  const bytes = partnerMessageBytes(body, attributes);
  if (bytes >= MAX_PARTNER_MESSAGE_BYTES)
    throw new PartnerMessageTooLargeError(message.dedupeKey, bytes);
  return { message: shortened, body, attributes };
}

function organisationOf(statement: Statement): PartnerOrganisation {
  const { organisation } = statement;
  return {
    name: organisation.name,
    shortName: organisation.shortName ?? null,
    website: organisation.website ?? null,
  };
}

function withdrawalOf(statement: Statement, sentAt: Date): PartnerWithdrawalMessage {
  return {
    type: 'statement.withdrawn',
    version: PARTNER_ENVELOPE_VERSION,
    dedupeKey: dedupeKeyOf(statement, 'statement.withdrawn'),
    sentAt: sentAt.toISOString(),
    statement: {
      id: statement.id,
      revision: statement.revision,
      status: 'withdraw',
      reference: statement.reference ?? null,
      organisation: organisationOf(statement),
      withdrawalReason: statement.withdrawalReason ?? '',
      withdrawnAt: sentAt.toISOString(),
    },
  };
}

function envelopeOf(
  statement: Statement,
  rendered: RenderedStatement,
  type: StatementMessageType,
  sentAt: Date,
): PartnerStatementMessage {
  const { mediaContact } = statement;
  return {
    type,
    version: PARTNER_ENVELOPE_VERSION,
    dedupeKey: dedupeKeyOf(statement, type),
    sentAt: sentAt.toISOString(),
    statement: {
      id: statement.id,
      revision: statement.revision,
      status: 'publish',
      kind: statement.kind,
      reference: statement.reference ?? null,
      organisation: organisationOf(statement),
      issued: statement.issued,
      language: statement.language,
      headline: statement.headline,
      subheading: statement.subheading ?? null,
      summary: summaryOf(statement),
      topics: statement.topics ?? [],
      embargo: rendered.embargo
        ? {
            until: rendered.embargo.until,
            display: rendered.embargo.display,
            timezone: rendered.embargo.timezone,
          }
        : null,
      correction: statement.correction ?? null,
      mediaContact: {
        name: mediaContact.name,
        role: mediaContact.role ?? null,
        email: mediaContact.email ?? null,
        phone: mediaContact.phone ?? null,
      },
    },
    content: { text: rendered.plainText },
    social: rendered.social,
    links: (statement.links ?? []).map(({ label, url }) => ({ label, url })),
  };
}

function attributesOf(
  statement: Statement,
  rendered: RenderedStatement,
  type: PartnerMessageType,
  sentAt: Date,
): SnsMessageAttributes {
  // Embargoed only while the lift is still ahead: released and withdrawn never are.
  const embargoed =
    (type === 'statement.published' || type === 'statement.corrected') &&
    rendered.embargo !== null &&
    Date.parse(rendered.embargo.until) > sentAt.getTime();
  const attributes: SnsMessageAttributes = {
    type: { DataType: 'String', StringValue: type },
    organisation: {
      DataType: 'String',
      StringValue: snsString(statement.organisation.shortName ?? statement.organisation.name),
    },
    topics: { DataType: 'String.Array', StringValue: JSON.stringify(statement.topics ?? []) },
    embargoed: { DataType: 'String', StringValue: embargoed ? 'true' : 'false' },
    kind: { DataType: 'String', StringValue: statement.kind },
  };
  return attributes;
}

// SNS attribute values must be XML-legal characters; a stray control character would fail the Publish.
const NOT_XML_CHAR =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: this regex exists to find control characters.
  /[\0-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function snsString(value: string): string {
  const cleaned = value.replace(NOT_XML_CHAR, ' ').replace(/\s+/g, ' ').trim();
  return cleaned === '' ? '-' : cleaned;
}

const jsonBytes = (text: string) => Buffer.byteLength(JSON.stringify(text), 'utf8') - 2;

/**
 * The longest run of whole paragraphs whose JSON fits in `budget` bytes,
 * followed by a line telling partners where the full statement is.
 */
function shortenText(text: string, statement: Statement, budget: number): string {
  const where = statement.links?.[0]?.url ?? statement.organisation.website;
  const pointer = where
    ? `[Shortened to fit the partner message. The full statement: ${where}]`
    : `[Shortened to fit the partner message. Ask ${statement.mediaContact.name} for the full statement.]`;
  const paragraphs = text.split(/\n{2,}/);
  const fits = (n: number) =>
    jsonBytes([...paragraphs.slice(0, n), pointer].join('\n\n')) <= budget;
  let lo = 0;
  let hi = paragraphs.length;
  // Largest n with fits(n); fits(0) is just the pointer.
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (fits(mid)) lo = mid;
    else hi = mid - 1;
  }
  if (lo > 0) return [...paragraphs.slice(0, lo), pointer].join('\n\n');
  // Not even the first paragraph fits: keep as many of its words as do.
  const first = paragraphs[0] ?? '';
  const cutFits = (end: number) => jsonBytes(`${first.slice(0, end)} …\n\n${pointer}`) <= budget;
  let end = 0;
  let top = first.length;
  while (end < top) {
    const mid = (end + top + 1) >> 1;
    if (cutFits(mid)) end = mid;
    else top = mid - 1;
  }
  const space = first.lastIndexOf(' ', end);
  const kept = first.slice(0, Math.max(space, 0)).trimEnd();
  return kept === '' ? pointer : `${kept} …\n\n${pointer}`;
}
