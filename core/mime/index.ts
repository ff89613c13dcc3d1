/**
 * Per-recipient raw MIME for SES SendRawEmail (DESIGN §4, render-quality §4).
 * The email was rendered once; here we only fill its slots and wrap it with
 * nodemailer's MailComposer. This module is bundled into the send Lambda, so
 * it imports the slot filler and the HTML escape only, never MJML or
 * core/render/index.
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
import addressparser from 'nodemailer/lib/addressparser';
import MailComposer from 'nodemailer/lib/mail-composer';
import { escapeHtml } from '../render/mjml-tag';
import { fillSlots, type SlotValues } from '../render/slots';
import type { Recipient, RenderedEmail } from '../types';

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
}

/** A value for a header contains CR, LF or NUL (header injection), is not one address, or is empty. */
export class UnsafeHeaderValueError extends Error {
  override readonly name = 'UnsafeHeaderValueError';
  constructor(
    readonly field: string,
    reason = 'contains a line break or NUL character',
  ) {
    super(`Refusing to build the email: ${field} ${reason}.`);
  }
}

/** The unsubscribe link is not a usable https URL for List-Unsubscribe. */
export class InvalidUnsubscribeUrlError extends Error {
  override readonly name = 'InvalidUnsubscribeUrlError';
  constructor(readonly url: string) {
    super(
      'The unsubscribe link must be an https:// URL of printable ASCII characters (at most 900), so it works as a one-click List-Unsubscribe link.',
    );
  }
}

/** An error from nodemailer while building the message. */
export class MimeBuildError extends Error {
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

/** The raw RFC 5322 message for one journalist. */
export async function buildRawMessage(
  email: RenderedEmail,
  recipient: Recipient,
  options: MimeOptions,
): Promise<Buffer> {
  checkInputs(email, recipient, options);
  const values: SlotValues = {
    unsubscribeUrl: options.unsubscribeUrl,
    greeting: greetingFor(recipient),
  };
  const listUnsubscribe = [options.unsubscribeUrl, options.unsubscribeMailto]
    .filter((u): u is string => u !== undefined)
    .map((u) => `<${u}>`)
    .join(', ');
  const headers: Record<string, string> = {
    'List-Unsubscribe': listUnsubscribe,
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    'X-Herald-Statement': `${email.statementId}; revision=${email.revision}`,
  };
  if (options.configurationSet !== undefined)
    headers['X-SES-CONFIGURATION-SET'] = options.configurationSet;

  const recipientName = recipient.name?.trim();
  const composer = new MailComposer({
    from: options.from,
    to: recipientName ? { name: recipientName, address: recipient.email } : recipient.email,
    ...(email.replyTo
      ? { replyTo: { name: email.replyTo.name, address: email.replyTo.address } }
      : {}),
    subject: email.subject,
    // text before html: nodemailer emits multipart/alternative with text/plain first.
    // Without a name the greeting slot is empty; don't open the text part with blank lines.
    text: fillSlots(email.text, values).replace(/^\n+/, ''),
    html: fillSlots(email.html, values, escapeHtml),
    headers,
    ...(options.messageIdDomain
      ? { messageId: `<${randomUUID()}@${options.messageIdDomain}>` }
      : {}),
    ...(options.date ? { date: options.date } : {}),
  });
  return new Promise<Buffer>((resolve, reject) => {
    composer.compile().build((error, message) => {
      if (error) reject(new MimeBuildError(error.message, { cause: error }));
      else resolve(message);
    });
  });
}

/** Reject header injection before anything is built (render-quality H5: never trust nodemailer alone). */
function checkInputs(email: RenderedEmail, recipient: Recipient, options: MimeOptions): void {
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
