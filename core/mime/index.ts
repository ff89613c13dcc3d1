/**
 * Per-recipient raw MIME for SES SendRawEmail.
 * The email was rendered once; here we only fill its slots and wrap it as
 * multipart/alternative (text, then HTML). This module is bundled into the send
 * Lambda, so it imports the slot filler and the HTML escape only, never MJML
 * or core/render/index.
 *
 * Two ways to the same bytes:
 * - composeRawMessage: nodemailer's MailComposer builds the whole message. It
 *   is the reference, and what nodemailer would send.
 * - buildRawMessage (what send uses): the bodies are encoded once per rendered
 *   email (PreparedEmail, core/mime/splice.ts) and only the lines with a slot
 *   are encoded per journalist; MailComposer still builds every header. A
 *   property test (test/core/mime-splice.test.ts) checks both give the same
 *   bytes. It costs a few per cent of an MJML render per journalist, where a
 *   full MailComposer build cost about an eighth.
 *
 * Both give MailComposer the bodies with CRLF line breaks (MIME's canonical
 * form; a bare LF is what strict MTAs reject) and ask for quoted-printable for
 * both parts. nodemailer would pick QP for every Herald email anyway (MJML's
 * HTML has long lines; the text is Latin script), but choosing per recipient
 * would mean scanning the whole body per recipient.
 *
 * Headers:
 * - `List-Unsubscribe: <https://…>[, <mailto:…>]` and
 *   `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058), passed as
 *   `headers` because bare MailComposer ignores nodemailer's `list` option.
 * - `X-Herald-Statement: <id>; revision=<n>`: one header, so a mailbox rule or
 *   a support query needs one field to find the statement revision.
 * - No `Auto-Submitted`: journalists reply to press emails (to Reply-To, the
 *   media contact).
 *
 * Greeting: `Dear <name>,` when the press list has a name; otherwise empty
 * (the renderer keeps an empty greeting invisible). A guessed salutation such
 * as "Dear journalist," reads as a mail merge gone wrong.
 */
import { randomUUID } from 'node:crypto';
import { domainToASCII } from 'node:url';
import addressparser from 'nodemailer/lib/addressparser';
import MailComposer from 'nodemailer/lib/mail-composer';
import type Mail from 'nodemailer/lib/mailer';
import { HeraldError } from '../errors';
import { escapeHtml } from '../render/mjml-tag';
import type { SlotValues } from '../render/slots';
import type { Recipient, RenderedEmail, SlottedText } from '../types';
import {
  buildHeaderBlock,
  canonicalParts,
  type EncodedBody,
  encodeBody,
  fillBody,
  type HeaderTemplate,
  headerTemplate,
  prepareBody,
} from './splice';

export interface MimeOptions {
  /** The configured sender, e.g. `Herald Press Office <press@example.org>`. */
  from: string;
  /** This recipient's one-click unsubscribe URL (https). */
  unsubscribeUrl: string;
  /** Optional `mailto:` unsubscribe address, listed after the https one. */
  unsubscribeMailto?: string;
  /** SES configuration set for bounce/complaint events (X-SES-CONFIGURATION-SET). */
  configurationSet?: string;
  /** Domain for the Message-ID (default: the sender's domain). SES replaces it anyway. */
  messageIdDomain?: string;
  date?: Date;
  /**
   * Fixes what is otherwise random per message (the multipart boundary and the
   * Message-ID), so two builds can be compared byte for byte. Tests only.
   */
  fixed?: { baseBoundary: string; messageId: string };
}

/** A value for a header contains CR, LF or NUL (header injection), is not one address, or is empty. */
export class UnsafeHeaderValueError extends HeraldError {
  override readonly name = 'UnsafeHeaderValueError';
  constructor(
    readonly field: string,
    reason = 'contains a line break or NUL character',
  ) {
    super(`Refusing to build the email: ${field} ${reason}.`);
  }
}

/** The unsubscribe link is not a usable https URL for List-Unsubscribe. */
export class InvalidUnsubscribeUrlError extends HeraldError {
  override readonly name = 'InvalidUnsubscribeUrlError';
  constructor(readonly url: string) {
    super(
      'The unsubscribe link must be an https:// URL of printable ASCII characters (at most 900), so it works as a one-click List-Unsubscribe link.',
    );
  }
}

/** An error from nodemailer while building the message. */
export class MimeBuildError extends HeraldError {
  override readonly name = 'MimeBuildError';
}

const HEADER_BREAKING = /[\r\n\0]/;
// A single addr-spec: no spaces, commas, semicolons, angle brackets or quotes that could list a second address.
const SINGLE_ADDRESS = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:"]+$/;
// RFC 5322 caps a header line at 998 characters and a URL cannot be folded.
const MAX_UNSUBSCRIBE_URL = 900;
const DOMAIN =
  /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;

export function greetingFor(recipient: Recipient): string {
  const name = recipient.name?.trim();
  return name ? `Dear ${name},` : '';
}

/**
 * A rendered email with its text and HTML parts encoded once
 * (core/mime/splice.ts), ready to build many journalists' messages.
 */
export class PreparedEmail {
  /** The canonical (CRLF) parts MailComposer is given. */
  readonly text: SlottedText;
  readonly html: SlottedText;
  readonly encodedText: EncodedBody;
  readonly encodedHtml: EncodedBody;
  /** The rendered email as it was when prepared (a copy: a RenderedEmail is a plain object). */
  readonly email: RenderedEmail;

  constructor(email: RenderedEmail) {
    this.email = {
      ...email,
      text: { parts: [...email.text.parts], slots: [...email.text.slots] },
      html: { parts: [...email.html.parts], slots: [...email.html.slots] },
      replyTo: email.replyTo ? { ...email.replyTo } : null,
    };
    this.text = canonicalParts(email.text);
    this.html = canonicalParts(email.html);
    this.encodedText = prepareBody(this.text, true);
    this.encodedHtml = prepareBody(this.html, false);
  }

  /** Header templates by sender settings (a container has one; tests pin boundaries). */
  private readonly templates = new Map<string, HeaderTemplate | null>();

  /** Made from `email` as it is now (an unchanged string compares at once). */
  madeFrom(email: RenderedEmail): boolean {
    const was = this.email;
    return (
      email.statementId === was.statementId &&
      email.revision === was.revision &&
      email.subject === was.subject &&
      email.replyTo?.name === was.replyTo?.name &&
      email.replyTo?.address === was.replyTo?.address &&
      same(was.text, email.text) &&
      same(was.html, email.html)
    );
  }

  /**
   * The headers MailComposer writes for this email and sender, with the
   * per-recipient fields cut out (null: not the expected shape, so each message
   * is left to MailComposer).
   */
  headerTemplate(options: MimeOptions): HeaderTemplate | null {
    const key = JSON.stringify([
      options.from,
      options.configurationSet ?? null,
      options.fixed?.baseBoundary ?? null,
    ]);
    let template = this.templates.get(key);
    if (template === undefined) {
      const placeholder = () => ({
        content: ' ',
        contentTransferEncoding: 'quoted-printable' as const,
      });
      const root = new MailComposer(
        mailOptions(
          this.email,
          { email: 'recipient@herald.invalid' },
          { ...options, unsubscribeUrl: 'https://herald.invalid/' },
          {
            messageId: '<template@herald.invalid>',
            baseBoundary: options.fixed?.baseBoundary ?? randomBoundary(),
          },
          // Two objects: MailComposer sets each part's content type on the object it is given.
          placeholder(),
          placeholder(),
        ),
      ).compile();
      template = headerTemplate(root);
      if (this.templates.size >= MAX_TEMPLATES) this.templates.clear();
      this.templates.set(key, template);
    }
    return template;
  }
}

const MAX_TEMPLATES = 8;

function same(a: SlottedText, b: SlottedText): boolean {
  return (
    a.parts.length === b.parts.length &&
    a.slots.length === b.slots.length &&
    a.parts.every((part, i) => part === b.parts[i]) &&
    a.slots.every((slot, i) => slot === b.slots[i])
  );
}

/** Encode a rendered email's bodies once, for buildRawMessage to splice per journalist. */
export function prepareEmail(email: RenderedEmail): PreparedEmail {
  return new PreparedEmail(email);
}

/**
 * Prepared emails of the RenderedEmail objects seen so far. send keeps one
 * RenderedEmail per statement revision, so its journalists share one encoding
 * without send having to hold a PreparedEmail itself.
 */
const prepared = new WeakMap<RenderedEmail, PreparedEmail>();

function preparedFor(email: RenderedEmail | PreparedEmail): PreparedEmail {
  if (email instanceof PreparedEmail) return email;
  let cached = prepared.get(email);
  if (!cached?.madeFrom(email)) {
    cached = new PreparedEmail(email);
    prepared.set(email, cached);
  }
  return cached;
}

/**
 * The raw RFC 5322 message for one journalist: what composeRawMessage builds,
 * without encoding the bodies again. Only the lines and header fields that
 * differ per journalist are made here (core/mime/splice.ts).
 */
export async function buildRawMessage(
  email: RenderedEmail | PreparedEmail,
  recipient: Recipient,
  options: MimeOptions,
): Promise<Buffer> {
  const ready = preparedFor(email);
  const ids = messageIds(options, checkInputs(ready.email, recipient, options));
  const values = slotValues(recipient, options);
  const text = encodeBody(ready.encodedText, values, undefined);
  const html = encodeBody(ready.encodedHtml, values, escapeHtml);
  let template: HeaderTemplate | null;
  let headers = '';
  try {
    template = ready.headerTemplate(options);
    if (template) {
      headers = buildHeaderBlock(template, {
        'List-Unsubscribe': listUnsubscribe(options),
        To: toValue(recipient),
        'Message-ID': ids.messageId,
        // nodemailer's default is the time the message is made, too.
        Date: options.date ?? new Date(),
      });
    }
  } catch (error) {
    throw new MimeBuildError(error instanceof Error ? error.message : String(error), {
      cause: error,
    });
  }
  // A part that is empty for this journalist is left out by MailComposer: let it build that rare message.
  if (
    template === null ||
    (ready.encodedText.mayBeEmpty && text.every((b) => b.length === 0)) ||
    (ready.encodedHtml.mayBeEmpty && html.every((b) => b.length === 0))
  ) {
    return compose(ready, recipient, options, values, ids);
  }
  // The layout MimeNode streams for a multipart node with two content children.
  const { boundary } = template;
  return Buffer.concat([
    Buffer.from(`${headers}\r\n\r\n--${boundary}\r\n${template.textHeaders}\r\n\r\n`, 'utf8'),
    ...text,
    Buffer.from(`\r\n--${boundary}\r\n${template.htmlHeaders}\r\n\r\n`, 'utf8'),
    ...html,
    Buffer.from(`\r\n--${boundary}--\r\n`, 'utf8'),
  ]);
}

/**
 * The same message built wholly by nodemailer's MailComposer, bodies included:
 * the reference buildRawMessage is tested against.
 */
export async function composeRawMessage(
  email: RenderedEmail | PreparedEmail,
  recipient: Recipient,
  options: MimeOptions,
): Promise<Buffer> {
  const ready = preparedFor(email);
  const ids = messageIds(options, checkInputs(ready.email, recipient, options));
  return compose(ready, recipient, options, slotValues(recipient, options), ids);
}

function slotValues(recipient: Recipient, options: MimeOptions): SlotValues {
  return { unsubscribeUrl: options.unsubscribeUrl, greeting: greetingFor(recipient) };
}

function compose(
  ready: PreparedEmail,
  recipient: Recipient,
  options: MimeOptions,
  values: SlotValues,
  ids: MessageIds,
): Promise<Buffer> {
  const body = (content: string) =>
    // MailComposer leaves out an empty part; an object with empty content would not read as one.
    content === '' ? '' : { content, contentTransferEncoding: 'quoted-printable' as const };
  const composer = new MailComposer(
    mailOptions(
      ready.email,
      recipient,
      options,
      ids,
      // Without a name the greeting slot is empty; don't open the text part with blank lines.
      body(fillBody(ready.text, values, undefined, true)),
      body(fillBody(ready.html, values, escapeHtml, false)),
    ),
  );
  return new Promise<Buffer>((resolve, reject) => {
    composer.compile().build((error, message) => {
      if (error) reject(new MimeBuildError(error.message, { cause: error }));
      else resolve(message);
    });
  });
}

interface MessageIds {
  messageId: string;
  baseBoundary: string;
}

/**
 * The Message-ID and the random part of the multipart boundary, in nodemailer's
 * own shapes (`<uuid-like@sender domain>`, 16 hex digits). Drawn here because
 * nodemailer draws them with six randomBytes calls per message, which cost more
 * than the rest of its header work; randomUUID takes them from a cached pool.
 */
function messageIds(options: MimeOptions, senderAddress: string): MessageIds {
  if (options.fixed) return { ...options.fixed };
  const domain =
    domainToASCII(options.messageIdDomain ?? senderAddress.split('@').pop() ?? '') || 'localhost';
  return { messageId: `<${randomUUID()}@${domain}>`, baseBoundary: randomBoundary() };
}

const randomBoundary = () => randomUUID().replaceAll('-', '').slice(0, 16);

function listUnsubscribe(options: MimeOptions): string {
  return [options.unsubscribeUrl, options.unsubscribeMailto]
    .filter((u): u is string => u !== undefined)
    .map((u) => `<${u}>`)
    .join(', ');
}

function toValue(recipient: Recipient): string | { name: string; address: string } {
  const name = recipient.name?.trim();
  return name ? { name, address: recipient.email } : recipient.email;
}

type Body = string | { content: string; contentTransferEncoding: 'quoted-printable' };

/** MailComposer's input for one journalist; `baseBoundary` is MimeNode's, not in nodemailer's types. */
function mailOptions(
  email: RenderedEmail,
  recipient: Recipient,
  options: MimeOptions,
  ids: MessageIds,
  text: Body,
  html: Body,
): Mail.Options & { baseBoundary?: string } {
  const headers: Record<string, string> = {
    'List-Unsubscribe': listUnsubscribe(options),
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    'X-Herald-Statement': `${email.statementId}; revision=${email.revision}`,
  };
  if (options.configurationSet !== undefined)
    headers['X-SES-CONFIGURATION-SET'] = options.configurationSet;
  return {
    from: options.from,
    to: toValue(recipient),
    ...(email.replyTo
      ? { replyTo: { name: email.replyTo.name, address: email.replyTo.address } }
      : {}),
    subject: email.subject,
    // text before html: nodemailer emits multipart/alternative with text/plain first.
    text,
    html,
    headers,
    messageId: ids.messageId,
    ...(options.date ? { date: options.date } : {}),
    baseBoundary: ids.baseBoundary,
  };
}

/** Reject header injection before anything is built: never trust nodemailer alone with it. */
function checkInputs(email: RenderedEmail, recipient: Recipient, options: MimeOptions): string {
  const single: Array<[string, string | undefined]> = [
    ['the recipient address', recipient.email],
    ['the recipient name', recipient.name],
    ['the sender (from)', options.from],
    ['the unsubscribe URL', options.unsubscribeUrl],
    ['the unsubscribe mailto', options.unsubscribeMailto],
    ['the configuration set', options.configurationSet],
    ['the Message-ID domain', options.messageIdDomain],
    ['the subject', email.subject],
    ['the statement id', email.statementId],
    ['the Reply-To name', email.replyTo?.name],
    ['the Reply-To address', email.replyTo?.address],
    ['the fixed Message-ID', options.fixed?.messageId],
    ['the fixed boundary', options.fixed?.baseBoundary],
  ];
  for (const [field, value] of single) {
    if (value !== undefined && HEADER_BREAKING.test(value)) throw new UnsafeHeaderValueError(field);
  }
  // nodemailer drops an empty Subject header; a press email without one looks like spam.
  if (email.subject.trim() === '') throw new UnsafeHeaderValueError('the subject', 'is empty');
  if (!SINGLE_ADDRESS.test(recipient.email)) {
    throw new UnsafeHeaderValueError('the recipient address', 'is not a single email address');
  }
  if (email.replyTo && !SINGLE_ADDRESS.test(email.replyTo.address)) {
    throw new UnsafeHeaderValueError('the Reply-To address', 'is not a single email address');
  }
  const from = addressparser(options.from, { flatten: true });
  if (from.length !== 1 || !SINGLE_ADDRESS.test(from[0]?.address ?? '')) {
    throw new UnsafeHeaderValueError('the sender (from)', 'is not exactly one email address');
  }
  if (!isUnsubscribeUrl(options.unsubscribeUrl, 'https:')) {
    throw new InvalidUnsubscribeUrlError(options.unsubscribeUrl);
  }
  if (
    options.unsubscribeMailto !== undefined &&
    !isUnsubscribeUrl(options.unsubscribeMailto, 'mailto:')
  ) {
    throw new UnsafeHeaderValueError(
      'the unsubscribe mailto',
      'is not a mailto: address of printable ASCII',
    );
  }
  if (options.messageIdDomain !== undefined && !DOMAIN.test(options.messageIdDomain)) {
    throw new UnsafeHeaderValueError('the Message-ID domain', 'is not a domain name');
  }
  if (
    options.configurationSet !== undefined &&
    !/^[A-Za-z0-9_-]{1,64}$/.test(options.configurationSet)
  ) {
    throw new UnsafeHeaderValueError(
      'the configuration set',
      'is not an SES configuration set name',
    );
  }
  if (!Number.isInteger(email.revision) || email.revision < 1) {
    throw new UnsafeHeaderValueError('the revision', 'is not a positive whole number');
  }
  return from[0]?.address ?? '';
}

/** Printable ASCII (it goes inside <…> unencoded), within the line limit, with the expected scheme. */
function isUnsubscribeUrl(value: string, protocol: 'https:' | 'mailto:'): boolean {
  if (value.length > MAX_UNSUBSCRIBE_URL || !/^[\x21-\x7e]+$/.test(value) || /[<>]/.test(value))
    return false;
  try {
    const url = new URL(value);
    return url.protocol === protocol && (protocol === 'mailto:' || url.hostname.includes('.'));
  } catch {
    return false;
  }
}
