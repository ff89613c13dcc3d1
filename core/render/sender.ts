/**
 * The From header: the statement's organisation as the display name, on the
 * configured (SES-verified) sender address. The renderer picks the name
 * (`fromNameFor`, stored in RenderedEmail.fromName); `send` only combines it
 * with the configured address (`fromHeader`). Imported by the send Lambda:
 * nodemailer's address parser only, no MJML.
 *
 * Why the organisation's full name by default, not its short name: the From
 * name is what a journalist reads first to decide whether an email is genuine
 * and whose it is. A press list gets statements from many bodies, and short
 * names collide (BSCP is Birmingham's, Bradford's or Bristol's safeguarding
 * partnership) or look like spam; the full name matches the signature and the
 * footer, and a phone that cuts it short still shows its most telling words
 * first. Organisations known by their short name (NSPCC) choose `shortName`.
 */
import addressparser from 'nodemailer/lib/addressparser';
import type { Statement } from '../statement/schema';
import type { SenderDisplayName } from '../types';

/** The display name for a statement's emails, or undefined to keep the configured sender's name. */
export function fromNameFor(
  statement: Pick<Statement, 'organisation'>,
  displayName: SenderDisplayName = 'organisation',
): string | undefined {
  const org = statement.organisation;
  if (displayName === 'fixed') return undefined;
  const name = displayName === 'shortName' ? (org.shortName ?? org.name) : org.name;
  const clean = headerSafe(name);
  return clean === '' ? undefined : clean;
}

// Control characters, line and paragraph separators: nothing that could end a header line.
// biome-ignore lint/suspicious/noControlCharactersInRegex: this regex exists to remove control characters.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;

/** One line of printable text (the statement schema already refuses line breaks; this is the second guard). */
function headerSafe(name: string): string {
  return name.replace(UNSAFE, ' ').replace(/\s+/g, ' ').trim();
}

/**
 * `"<fromName>" <address of configuredFrom>`: the name as an RFC 5322 quoted
 * string (quotes and backslashes escaped, so commas, brackets or `@` in a name
 * cannot add an address); nodemailer writes non-ASCII names as RFC 2047
 * encoded words. Without a name, or if the configured sender is not exactly
 * one address, the configured sender as it is (core/mime then checks it).
 */
export function fromHeader(fromName: string | undefined, configuredFrom: string): string {
  if (fromName === undefined) return configuredFrom;
  const name = headerSafe(fromName);
  const parsed = addressparser(configuredFrom, { flatten: true });
  const address = parsed.length === 1 ? parsed[0]?.address : undefined;
  if (name === '' || !address) return configuredFrom;
  return `"${name.replace(/[\\"]/g, '\\$&')}" <${address}>`;
}
