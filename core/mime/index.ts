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
import MailComposer from 'nodemailer/lib/mail-composer';
import type Mail from 'nodemailer/lib/mailer';
import { HeraldError } from '../errors';
import { escapeHtml } from '../render/mjml-tag';
import type { SlotValues } from '../render/slots';
import type { Recipient, RenderedEmail, SlottedText } from '../types';
import { checkInputs } from './checks';
import {
  buildHeaderBlock,
  canonicalParts,
  type EncodedBody,
  encodeBody,
  fillBody,
  type HeaderTemplate,
  headerTemplate,
  prepareBody,
  restoreBody,
  type StoredBody,
  storeBody,
} from './splice';

export { InvalidUnsubscribeUrlError, UnsafeHeaderValueError } from './checks';

export interface MimeOptions {
  /** The configured sender, e.g. `Herald Press Office <press@example.org>`. */
  from: string;
  /** This recipient's one-click unsubscribe URL (https). */
  unsubscribeUrl: string;
  /** Optional `mailto:` unsubscribe address, listed after the https one. */
  unsubscribeMailto?: string;
  /** SES configuration set for bounce/complaint events (X-SES-CONFIGURATION-SET). */
  configurationSet?: string | undefined;
  /** Domain for the Message-ID (default: the sender's domain). SES replaces it anyway. */
  messageIdDomain?: string;
  date?: Date;
  /**
   * Fixes what is otherwise random per message (the multipart boundary and the
   * Message-ID), so two builds can be compared byte for byte. Tests only.
   */
  fixed?: { baseBoundary: string; messageId: string };
}

/** An error from nodemailer while building the message. */
export class MimeBuildError extends HeraldError {
  override readonly name = 'MimeBuildError';
}

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

  /** With `stored` (made by toStored from this same email), nothing is encoded again. */
  constructor(email: RenderedEmail, stored?: StoredMime) {
    this.email = {
      ...email,
      text: { parts: [...email.text.parts], slots: [...email.text.slots] },
      html: { parts: [...email.html.parts], slots: [...email.html.slots] },
      replyTo: email.replyTo ? { ...email.replyTo } : null,
    };
    this.text = canonicalParts(email.text);
    this.html = canonicalParts(email.html);
    this.encodedText = stored ? restoreBody(stored.text) : prepareBody(this.text, true);
    this.encodedHtml = stored ? restoreBody(stored.html) : prepareBody(this.html, false);
  }

  /** Uses `template` (stored by ingest) for messages with these sender settings. */
  adoptTemplate(sender: SenderOptions, template: HeaderTemplate): void {
    this.templates.set(templateKey(sender), template);
  }

  /** Header templates by sender settings (a container has one; tests pin boundaries). */
  private readonly templates = new Map<string, HeaderTemplate | null>();

  /**
   * The encoded bodies and this sender's header template as JSON can hold them,
   * for a later PreparedEmail of the same email (null: MailComposer's headers were
   * not the expected shape, so there is nothing to reuse).
   */
  toStored(sender: SenderOptions): StoredMime | null {
    const headers = this.headerTemplate(sender);
    if (!headers) return null;
    return {
      sender: {
        from: sender.from,
        ...(sender.configurationSet !== undefined
          ? { configurationSet: sender.configurationSet }
          : {}),
      },
      text: storeBody(this.encodedText),
      html: storeBody(this.encodedHtml),
      headers,
    };
  }

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
  headerTemplate(options: SenderOptions): HeaderTemplate | null {
    const key = templateKey(options);
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

/** The sender settings that change the headers. */
export type MimeSender = Pick<MimeOptions, 'from' | 'configurationSet'>;

/** MimeSender, and the boundary tests pin: all a header template depends on. */
type SenderOptions = MimeSender & Pick<MimeOptions, 'fixed'>;

function templateKey(options: SenderOptions): string {
  return JSON.stringify([
    options.from,
    options.configurationSet ?? null,
    options.fixed?.baseBoundary ?? null,
  ]);
}

/**
 * A rendered email prepared for one sender, as JSON: ingest stores it beside the
 * email (`mime` in email.json) so that a cold send only splices (encoding the
 * bodies and building MailComposer's headers cost more than the rest of a first
 * message). The multipart boundary is the template's, so one per revision.
 */
export interface StoredMime {
  /** The sender the headers were built for. A send configured otherwise builds its own. */
  readonly sender: MimeSender;
  readonly text: StoredBody;
  readonly html: StoredBody;
  readonly headers: HeaderTemplate;
}

/**
 * `email` prepared for `sender`, to store (null: nothing worth storing; send then
 * prepares it). `fixed` pins the boundary, for tests.
 */
export function storedMimeFor(email: RenderedEmail, sender: SenderOptions): StoredMime | null {
  return preparedFor(email).toStored(sender);
}

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
 * Does now, for `email` and this sender, the work every journalist's message shares:
 * encoding the parts and building the header template, or taking both from `stored`
 * (what ingest stored for the same sender). buildRawMessage would do it on its first
 * call; send calls this as the email arrives, while its claims are in flight.
 */
export function prepareForSender(
  email: RenderedEmail,
  sender: SenderOptions,
  stored?: StoredMime,
): void {
  if (stored && sameSender(stored.sender, sender) && !prepared.get(email)?.madeFrom(email)) {
    const ready = new PreparedEmail(email, stored);
    ready.adoptTemplate(sender, stored.headers);
    prepared.set(email, ready);
    return;
  }
  preparedFor(email).headerTemplate(sender);
}

const sameSender = (a: MimeSender, b: MimeSender): boolean =>
  a.from === b.from && a.configurationSet === b.configurationSet;

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
  const { ready, ids, values } = begin(email, recipient, options);
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
  const { ready, ids, values } = begin(email, recipient, options);
  return compose(ready, recipient, options, values, ids);
}

/** What both builds start from: the prepared email, the inputs checked, the ids drawn, the slots' values. */
function begin(
  email: RenderedEmail | PreparedEmail,
  recipient: Recipient,
  options: MimeOptions,
): { ready: PreparedEmail; ids: MessageIds; values: SlotValues } {
  const ready = preparedFor(email);
  const ids = messageIds(options, checkInputs(ready.email, recipient, options));
  const values = { unsubscribeUrl: options.unsubscribeUrl, greeting: greetingFor(recipient) };
  return { ready, ids, values };
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
