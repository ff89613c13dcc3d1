/**
 * Shapes shared by the core, the Lambda handlers and the local stack.
 * Everything here is plain data: JSON-serialisable, no AWS types.
 */
import type { StatementKind } from './statement/schema';

/** One problem in a file: a JSON path such as `links.0.url` ('' for the whole file) and a plain-English fix. */
export interface Issue {
  path: string;
  message: string;
}

/** An embargo still in force when the statement was processed. */
export interface EmbargoInfo {
  /** The lift instant, ISO 8601 in UTC (`2024-02-21T00:01:00.000Z`). */
  until: string;
  /** IANA zone the lift time is shown in. */
  timezone: string;
  /** Human form in that zone: `00:01 GMT, Wednesday 21 February 2024`. */
  display: string;
}

/**
 * The embargo a statement had before a later revision moved it (render option
 * `liftMoved`): the email then says the lift has moved, or that the embargo
 * was lifted early when none is in force any more.
 */
export interface LiftMoved {
  /** The lift time journalists were told before. */
  from: EmbargoInfo;
}

/**
 * Which name the From header shows (herald.config.json `sender.displayName`):
 * the statement's organisation name, its short name (falling back to the name),
 * or the name written in `sender.from` for every statement.
 */
export const SENDER_DISPLAY_NAMES = ['organisation', 'shortName', 'fixed'] as const;
export type SenderDisplayName = (typeof SENDER_DISPLAY_NAMES)[number];

/**
 * Per-recipient slots. The email is rendered once per statement revision with
 * these left open; the sender fills them for each journalist without re-running MJML.
 */
export type SlotName = 'unsubscribeUrl' | 'greeting';

/** Text with open slots: `parts[0] + value(slots[0]) + parts[1] + …`; `parts.length === slots.length + 1`. */
export interface SlottedText {
  parts: string[];
  slots: SlotName[];
}

export interface RenderedEmail {
  statementId: string;
  revision: number;
  language: string;
  subject: string;
  /** Email HTML from MJML; slot values are HTML-escaped when filled. */
  html: SlottedText;
  /** Plain-text part generated from the statement (not from the HTML). */
  text: SlottedText;
  /** The media contact, used as Reply-To when they have an email address. */
  replyTo: { name: string; address: string } | null;
  /**
   * The From display name for this statement (e.g. the organisation's name),
   * to put on the configured sender address: `fromHeader(fromName, sender.from)`
   * in core/render/sender. Absent: the configured `sender.from` as it is
   * (`displayName: "fixed"`, and emails rendered before this field existed).
   */
  fromName?: string | undefined;
}

export interface SocialPost {
  text: string;
  /** Embargo lift (ISO UTC) before which nothing may be posted, or null. */
  notBefore: string | null;
}

/** app.bsky.richtext.facet with UTF-8 byte offsets (byteStart inclusive, byteEnd exclusive). */
export interface BlueskyFacet {
  index: { byteStart: number; byteEnd: number };
  features: Array<
    | { $type: 'app.bsky.richtext.facet#link'; uri: string }
    | { $type: 'app.bsky.richtext.facet#tag'; tag: string }
  >;
}

export interface SocialCopy {
  x: SocialPost;
  bluesky: SocialPost & { facets: BlueskyFacet[] };
  mastodon: SocialPost;
  linkedin: SocialPost;
}

export const PARTNER_MESSAGE_TYPES = [
  'statement.published',
  'statement.corrected',
  'statement.withdrawn',
  'statement.released',
] as const;
export type PartnerMessageType = (typeof PARTNER_MESSAGE_TYPES)[number];

/** Version of the partner envelope (schemas/partner-message.schema.json). */
export const PARTNER_ENVELOPE_VERSION = 1;

/** The message types that carry the statement itself. */
export type StatementMessageType = Exclude<PartnerMessageType, 'statement.withdrawn'>;

/** What every partner message carries, whatever its type. */
interface PartnerMessageBase<T extends PartnerMessageType> {
  type: T;
  version: typeof PARTNER_ENVELOPE_VERSION;
  /** `<id>#<revision>#<type>`: subscribers drop redeliveries with it. */
  dedupeKey: string;
  sentAt: string;
}

/** How every partner message names its statement. */
interface PartnerStatementRef {
  id: string;
  revision: number;
  reference: string | null;
  organisation: PartnerOrganisation;
}

/** statement.published / corrected / released: the statement, its text and social copy. */
export interface PartnerStatementMessage extends PartnerMessageBase<StatementMessageType> {
  statement: PartnerStatementRef & {
    status: 'publish';
    kind: StatementKind;
    issued: string;
    language: string;
    headline: string;
    subheading: string | null;
    summary: string;
    topics: string[];
    embargo: { until: string; display: string; timezone: string } | null;
    correction: string | null;
    mediaContact: { name: string; role: string | null; email: string | null; phone: string | null };
  };
  content: { text: string };
  social: SocialCopy;
  links: Array<{ label: string; url: string }>;
}

/**
 * statement.withdrawn: which statement, why and when — nothing of the withdrawn
 * text, so a partner who never had the statement learns nothing of it.
 */
export interface PartnerWithdrawalMessage extends PartnerMessageBase<'statement.withdrawn'> {
  statement: PartnerStatementRef & {
    status: 'withdraw';
    withdrawalReason: string;
    withdrawnAt: string;
  };
}

export interface PartnerOrganisation {
  name: string;
  shortName: string | null;
  website: string | null;
}

export type PartnerEnvelope = PartnerStatementMessage | PartnerWithdrawalMessage;

/** SNS MessageAttributes as the SDK's Publish takes them. */
export type SnsMessageAttributes = Record<
  string,
  { DataType: 'String' | 'String.Array' | 'Number'; StringValue: string }
>;

/** Everything rendered once per statement revision. */
export interface RenderedStatement {
  email: RenderedEmail;
  social: SocialCopy;
  /** The whole statement as plain text (no slots): the partner envelope's content.text. */
  plainText: string;
  embargo: EmbargoInfo | null;
}

export interface Recipient {
  email: string;
  name?: string;
  outlet?: string;
}
