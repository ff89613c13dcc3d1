/**
 * What core/mime checks before building anything: no value that reaches a
 * header may break it (CR, LF or NUL: header injection) or name a second
 * address, and the unsubscribe links must work as one-click List-Unsubscribe.
 * Never trust nodemailer alone with it.
 */
import addressparser from 'nodemailer/lib/addressparser';
import { HeraldError } from '../errors';
import type { Recipient, RenderedEmail } from '../types';
import type { MimeOptions } from './index';

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

const HEADER_BREAKING = /[\r\n\0]/;
// A single addr-spec: no spaces, commas, semicolons, angle brackets or quotes that could list a second address.
const SINGLE_ADDRESS = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:"]+$/;
// RFC 5322 caps a header line at 998 characters and a URL cannot be folded.
const MAX_UNSUBSCRIBE_URL = 900;
const DOMAIN =
  /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;

/** Reject header injection before anything is built: never trust nodemailer alone with it. */
export function checkInputs(
  email: RenderedEmail,
  recipient: Recipient,
  options: MimeOptions,
): string {
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
