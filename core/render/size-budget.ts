/**
 * The email-size budget, MJML-free so `herald validate` and ingest can check
 * cheaply: where Gmail clips, the largest email Herald sends, and a lower-bound
 * estimate of a statement's HTML from its Markdown alone.
 */
import type { Statement } from '../statement/schema';
import type { Issue } from '../types';
import { type Env, type HeadingLevel, md, REFERENCE_LINK_BUDGET } from './markdown/html';
import { escapeHtml } from './mjml-tag';

/**
 * Where Gmail cuts off ("clips") an email, in UTF-8 bytes of its HTML: about
 * 102 KB, hiding the rest behind "View entire message". Rounded down, because
 * what Gmail counts is not published.
 */
export const EMAIL_CLIP_BYTES = 100_000;

/**
 * From this size (a tenth below the clip, since Gmail may count the encoded
 * part) an email counts as long: the author is warned, and the email opens
 * with a box holding the summary, the media contact and a note on clipping, so
 * what Gmail shows before the clip has everything a journalist needs.
 */
export const LONG_EMAIL_BYTES = 90_000;

/**
 * Largest HTML part Herald sends, in UTF-8 bytes. Long statements are fine
 * (above); this stops Markdown that expands absurdly (thousands of nested
 * quotes or one-word list items) from becoming a megabyte email.
 */
export const EMAIL_MAX_BYTES = 500_000;

/**
 * The press email template's own markup for the smallest statement (head,
 * styles, layout tables, footer), in bytes, rounded down: with it the estimate
 * below stays a lower bound (test/core/render-budget.test.ts checks this).
 */
export const TEMPLATE_MIN_BYTES = 10_000;

export type MarkdownField = 'body' | 'callout' | 'notesToEditors';

const FIELD_NAMES: Record<MarkdownField, string> = {
  body: 'body',
  callout: 'callout',
  notesToEditors: 'notes to editors',
};

/** `The email would be 640 KB; …`, naming the field to shorten. `atLeast` for an estimate. */
export function emailTooLargeMessage(bytes: number, field: MarkdownField, atLeast = false): string {
  return `The email would be ${atLeast ? 'at least ' : ''}${kilobytes(bytes)} KB; Herald sends emails of up to ${kilobytes(EMAIL_MAX_BYTES)} KB, and Gmail already shows only the first ${kilobytes(EMAIL_CLIP_BYTES)} KB or so. Shorten the ${FIELD_NAMES[field]} or move long material to a linked page.`;
}

function kilobytes(bytes: number): string {
  return Math.ceil(bytes / 1000).toLocaleString('en-GB');
}

/** The warning for a long email: it goes out, and the author knows how it will look. */
export function longEmailMessage(bytes: number, field: MarkdownField, atLeast = false): string {
  return `The email will be ${atLeast ? 'at least ' : ''}${kilobytes(bytes)} KB, close to or over the ${kilobytes(EMAIL_CLIP_BYTES)} KB or so that Gmail shows before it hides the rest behind "View entire message". It will still go out; Herald puts the embargo, headline, summary and media contact at the top so they are always shown. To send everything in one view, shorten the ${FIELD_NAMES[field]} or move long material to a linked page.`;
}

/** The statement's Markdown fields the email shows, with the heading level each is rendered at. */
export function markdownFields(
  statement: Statement,
): Array<{ field: MarkdownField; source: string; headingLevel: HeadingLevel }> {
  // Body and callout headings sit under the subheading (an h2) when there is one, else under the h1.
  const base: HeadingLevel = statement.subheading ? 3 : 2;
  const fields: Array<{ field: MarkdownField; source: string; headingLevel: HeadingLevel }> = [
    { field: 'body', source: statement.body, headingLevel: base },
  ];
  if (statement.callout !== undefined)
    fields.push({ field: 'callout', source: statement.callout, headingLevel: base });
  if (statement.notesToEditors !== undefined)
    fields.push({ field: 'notesToEditors', source: statement.notesToEditors, headingLevel: 3 });
  return fields;
}

/** UTF-8 bytes of text as the template writes it: escaped, once. */
function escapedBytes(text: string | undefined): number {
  return text === undefined ? 0 : Buffer.byteLength(escapeHtml(text));
}

/** Bytes of every single-line value the email shows at least once (a lower bound: some appear twice). */
function plainFieldBytes(statement: Statement): number {
  const { organisation: org, mediaContact: contact, signoff } = statement;
  const values = [
    statement.headline,
    statement.subheading,
    statement.reference,
    statement.revision > 1 ? statement.correction : undefined,
    org.name,
    org.website,
    signoff?.name,
    signoff?.role,
    contact.name,
    contact.role,
    contact.email,
    contact.phone,
    ...(statement.links ?? []).flatMap((l) => [l.label, l.url]),
  ];
  return values.reduce((sum, v) => sum + escapedBytes(v), 0);
}

interface EmailMeasure {
  /** Lower bound on the HTML part's bytes. */
  bytes: number;
  /** The Markdown field with the most HTML: the one to shorten. */
  largest: MarkdownField;
  /** Address characters reference links asked for, per field (kept or not). */
  referenceChars: Array<{ field: MarkdownField; chars: number }>;
}

function measureEmail(statement: Statement): EmailMeasure {
  let bytes = TEMPLATE_MIN_BYTES + plainFieldBytes(statement);
  let largest: { field: MarkdownField; bytes: number } = { field: 'body', bytes: -1 };
  const referenceChars: EmailMeasure['referenceChars'] = [];
  for (const { field, source, headingLevel } of markdownFields(statement)) {
    // LTR: its styles say "left", one byte shorter than "right", so the bound holds for RTL too.
    const env: Env = { headingLevel, dir: 'ltr' };
    const html = Buffer.byteLength(md.render(source, env).trim());
    bytes += html;
    if (html > largest.bytes) largest = { field, bytes: html };
    referenceChars.push({ field, chars: env.referenceChars ?? 0 });
  }
  return { bytes, largest: largest.field, referenceChars };
}

/**
 * A lower bound on the press email's HTML bytes, without MJML: the template
 * markup of the smallest statement + the Markdown as HTML + every other value
 * once. A withdrawal's email is smaller than this says (it omits the Markdown).
 */
export function estimateEmailBytes(statement: Statement): number {
  return measureEmail(statement).bytes;
}

/**
 * The size problems `renderEmail` would hit, found without MJML (markdown-it
 * only, milliseconds): reference links past REFERENCE_LINK_BUDGET, and an
 * email whose lower-bound estimate is already EMAIL_MAX_BYTES or more. Being a
 * lower bound it never rejects an email that would fit; near the limit only
 * the real render can tell (it throws EmailTooLargeError). Errors: the file is
 * refused. A long email that Gmail would clip is a warning (emailSizeWarnings).
 * A withdrawal shows none of the Markdown and must never be held up: no issues.
 */
export function checkRenderBudget(statement: Statement): Issue[] {
  if (statement.status === 'withdraw') return [];
  const { bytes, largest, referenceChars } = measureEmail(statement);
  const issues: Issue[] = referenceChars
    .filter(({ chars }) => chars > REFERENCE_LINK_BUDGET)
    .map(({ field, chars }) => ({
      path: field,
      message: `The ${FIELD_NAMES[field]} repeats reference-style links ([text][name]) so often that their web addresses add up to ${chars.toLocaleString('en-GB')} characters, each use writing the address out again; Herald allows ${REFERENCE_LINK_BUDGET.toLocaleString('en-GB')}. Link each long address once or twice, or move long material to a linked page.`,
    }));
  if (bytes >= EMAIL_MAX_BYTES) {
    issues.push({ path: largest, message: emailTooLargeMessage(bytes, largest, true) });
  }
  return issues;
}

/**
 * A warning when the email will be long enough for Gmail to clip it
 * (estimated, MJML-free; LONG_EMAIL_BYTES or more). parseStatement adds it to
 * its warnings, so `herald validate`, `herald render` and ingest all say it.
 * None for a withdrawal (it shows no Markdown) or an email too large to send
 * (checkRenderBudget reports that as an error).
 */
export function emailSizeWarnings(statement: Statement): Issue[] {
  if (statement.status === 'withdraw') return [];
  const { bytes, largest } = measureEmail(statement);
  if (bytes < LONG_EMAIL_BYTES || bytes >= EMAIL_MAX_BYTES) return [];
  return [{ path: largest, message: longEmailMessage(bytes, largest, true) }];
}
