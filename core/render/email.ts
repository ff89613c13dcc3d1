/**
 * The press email: subject, HTML (MJML, rendered once per statement revision)
 * and the plain-text part (built in ./statement-text, with the statement as
 * plain text for partners; the notices all three share are in ./notices).
 *
 * Per-recipient slots: the HTML carries `greeting` (where "Dear Jane Smith,"
 * goes; may be empty) and `unsubscribeUrl` (inside an href). Senders fill them
 * with `fillSlots(email.html, values, escapeHtml)` and
 * `fillSlots(email.text, values)`: slot values are plain text, escaped on fill.
 *
 * Size: an email of LONG_EMAIL_BYTES or more (Gmail clips it) is rendered
 * again with a box under the headline holding the summary, the media contact
 * and a note on clipping, so everything a journalist needs comes before the
 * clip; only EMAIL_MAX_BYTES or more is refused (EmailTooLargeError).
 */
import { randomUUID } from 'node:crypto';
import mjml2html from 'mjml';
import { HeraldError } from '../errors';
import type { Statement } from '../statement/schema';
import type {
  EmbargoInfo,
  Issue,
  LiftMoved,
  RenderedEmail,
  SenderDisplayName,
  SlotName,
} from '../types';
import { labelsFor } from './labels';
import {
  firstParagraphText,
  markdownToHtml,
  oneLine,
  summaryOf,
  type TextDirection,
  truncateAtWord,
} from './markdown';
import { escapeHtml } from './mjml-tag';
import {
  emailSubject,
  embargoPhrase,
  formatIssued,
  isCorrection,
  isWithdrawn,
  liftedEarlyPhrase,
} from './notices';
import { telHref } from './phone';
import { fromNameFor } from './sender';
import {
  EMAIL_MAX_BYTES,
  emailTooLargeMessage,
  LONG_EMAIL_BYTES,
  type MarkdownField,
} from './size-budget';
import { splitSlots } from './slots';
import { emailText, renderStatementText } from './statement-text';
import { type PressEmailView, pressEmailMjml } from './template/press-email';

export { embargoNotice } from './notices';
// Re-exported so callers need one import: summaryOf lives in the MJML-free
// markdown/summary, the notices and the plain text in their own modules.
export {
  emailSubject,
  embargoPhrase,
  escapeHtml,
  formatIssued,
  liftedEarlyPhrase,
  renderStatementText,
  summaryOf,
};

/** MJML rejected the template or its output is not what the senders rely on. */
export class EmailRenderError extends HeraldError {
  override name = 'EmailRenderError';
  constructor(
    message: string,
    readonly details: readonly string[] = [],
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * The rendered HTML is EMAIL_MAX_BYTES or more (absurdly expanding Markdown). The
 * author's problem, not Herald's: `issue` is what to report (ingest rejects
 * the file with it), and `field` the Markdown field that takes the most room.
 */
export class EmailTooLargeError extends HeraldError {
  override name = 'EmailTooLargeError';
  readonly issue: Issue;
  constructor(
    readonly bytes: number,
    readonly field: MarkdownField,
  ) {
    const message = emailTooLargeMessage(bytes, field);
    super(message);
    this.issue = { path: field, message };
  }
}

/** GOV.UK Notify's preheader cap. */
export const PREVIEW_MAX = 256;

// ---------------------------------------------------------------------------
// Small text helpers

function sameText(a: string, b: string): boolean {
  return oneLine(a).toLocaleLowerCase() === oneLine(b).toLocaleLowerCase();
}

/** Options beside the embargo for renderEmail (and renderStatement). */
export interface EmailRenderOptions {
  /**
   * The embargo this statement had before a later revision moved it. With an
   * embargo in force the notices say the lift has moved (and from when);
   * with none any more they say the embargo was lifted early. Subjects stay
   * as they are. Ignored for a withdrawal.
   */
  liftMoved?: LiftMoved | undefined;
  /** Which name the From header shows (config `sender.displayName`). @default 'organisation' */
  displayName?: SenderDisplayName | undefined;
}

// ---------------------------------------------------------------------------
// View building

const RTL_SCRIPTS = new Set([
  'Arab',
  'Hebr',
  'Thaa',
  'Syrc',
  'Nkoo',
  'Adlm',
  'Rohg',
  'Mand',
  'Samr',
]);

export function textDirection(language: string): TextDirection {
  try {
    const script = new Intl.Locale(language).maximize().script;
    return script !== undefined && RTL_SCRIPTS.has(script) ? 'rtl' : 'ltr';
  } catch {
    return 'ltr';
  }
}

/** The inbox preview: what changed or why it was withdrawn, else the summary; never the headline again. */
function previewOf(statement: Statement): string {
  const labels = labelsFor(statement.language);
  const kind = labels.kinds[statement.kind];
  const candidates: string[] = [];
  if (isWithdrawn(statement) && statement.withdrawalReason) {
    candidates.push(`${labels.previewWithdrawn} ${statement.withdrawalReason}`);
  }
  if (isCorrection(statement) && statement.correction) {
    candidates.push(`${labels.previewCorrection} ${statement.correction}`);
  }
  candidates.push(summaryOf(statement));
  const first = firstParagraphText(statement.body);
  if (first !== null) candidates.push(first);
  if (statement.subheading) candidates.push(statement.subheading);
  candidates.push(labels.kindFrom(kind, statement.organisation.name));
  const chosen =
    candidates.map(oneLine).find((c) => c !== '' && !sameText(c, statement.headline)) ?? kind;
  return truncateAtWord(chosen, PREVIEW_MAX);
}

function mailtoHref(address: string): string {
  const at = address.lastIndexOf('@');
  // Percent-encode the parts so `?`, `&` or `%` in a local part cannot add mailto headers.
  return `mailto:${encodeURIComponent(address.slice(0, at))}@${encodeURIComponent(address.slice(at + 1))}`;
}

function headingBase(statement: Statement): 2 | 3 {
  // Body headings sit under the subheading (an h2) when there is one, else under the h1.
  return statement.subheading ? 3 : 2;
}

interface ViewOptions {
  liftMoved: LiftMoved | undefined;
  /** Render the long layout (summary and media contact before Gmail's clip). */
  long: boolean;
}

function buildView(
  statement: Statement,
  embargo: EmbargoInfo | null,
  slots: Record<SlotName, string>,
  options: ViewOptions,
): PressEmailView {
  const withdrawn = isWithdrawn(statement);
  const dir = textDirection(statement.language);
  const base = headingBase(statement);
  const contact = statement.mediaContact;
  const labels = labelsFor(statement.language);
  return {
    language: statement.language,
    dir,
    labels,
    subject: emailSubject(statement, embargo),
    preview: previewOf(statement),
    embargo: embargo && !withdrawn ? embargoPhrase(embargo, options.liftMoved) : null,
    liftedEarly:
      !embargo && !withdrawn && options.liftMoved ? liftedEarlyPhrase(options.liftMoved) : null,
    withdrawal:
      withdrawn && statement.withdrawalReason ? { reason: statement.withdrawalReason } : null,
    correction:
      isCorrection(statement) && statement.correction
        ? { revision: statement.revision, text: statement.correction }
        : null,
    greetingSlot: slots.greeting,
    unsubscribeSlot: slots.unsubscribeUrl,
    kindLabel: labels.kinds[statement.kind],
    reference: statement.reference ?? null,
    issued: formatIssued(statement.issued, statement.language),
    organisation: {
      name: statement.organisation.name,
      website: statement.organisation.website ?? null,
      logoUrl: statement.organisation.logoUrl ?? null,
    },
    headline: statement.headline,
    subheading: statement.subheading ?? null,
    long: options.long && !withdrawn ? { summary: summaryOf(statement) } : null,
    // A withdrawn statement is not sent again: only what identifies it.
    body: withdrawn ? null : markdownToHtml(statement.body, { headingLevel: base, dir }),
    signoff:
      !withdrawn && statement.signoff
        ? { name: statement.signoff.name, role: statement.signoff.role ?? null }
        : null,
    callout:
      !withdrawn && statement.callout
        ? markdownToHtml(statement.callout, { headingLevel: base, dir, linkPhones: true })
        : null,
    links: withdrawn ? [] : (statement.links ?? []),
    notesToEditors:
      !withdrawn && statement.notesToEditors
        ? markdownToHtml(statement.notesToEditors, { headingLevel: 3, dir })
        : null,
    mediaContact: {
      name: contact.name,
      role: contact.role ?? null,
      email: contact.email ? { address: contact.email, href: mailtoHref(contact.email) } : null,
      phone: contact.phone ? { display: contact.phone, href: telHref(contact.phone) } : null,
    },
  };
}

// ---------------------------------------------------------------------------
// Rendering

const SLOT_ORDER: readonly SlotName[] = ['greeting', 'unsubscribeUrl'];

/**
 * Render the press email once. MJML runs with strict validation and no web
 * fonts; any validation error throws `EmailRenderError`. Slots are markers made
 * from a fresh random nonce, so no statement text can forge one. A long email
 * is rendered a second time in the long layout; one of EMAIL_MAX_BYTES or more
 * throws `EmailTooLargeError`.
 */
export async function renderEmail(
  statement: Statement,
  embargo: EmbargoInfo | null,
  options: EmailRenderOptions = {},
): Promise<RenderedEmail> {
  const nonce = randomUUID().replaceAll('-', '');
  const marker = (slot: SlotName) => `herald-slot-${nonce}-${slot.toLowerCase()}`;
  const slots = { greeting: marker('greeting'), unsubscribeUrl: marker('unsubscribeUrl') };
  const render = async (long: boolean) => {
    const view = buildView(statement, embargo, slots, { liftMoved: options.liftMoved, long });
    return { view, html: await runMjml(pressEmailMjml(view), statement) };
  };

  let { view, html } = await render(false);
  // Measured with the slot markers in: about as long as a greeting and an unsubscribe link.
  if (Buffer.byteLength(html) >= LONG_EMAIL_BYTES && statement.status !== 'withdraw') {
    ({ view, html } = await render(true));
  }
  const bytes = Buffer.byteLength(html);
  if (bytes >= EMAIL_MAX_BYTES) throw new EmailTooLargeError(bytes, largestField(view));

  const slotted = splitSlots(html, marker);
  if (slotted.slots.join() !== SLOT_ORDER.join()) {
    throw new EmailRenderError(
      `The rendered email has slots [${slotted.slots.join(', ')}]; expected [${SLOT_ORDER.join(', ')}].`,
    );
  }

  const contact = statement.mediaContact;
  const fromName = fromNameFor(statement, options.displayName);
  return {
    statementId: statement.id,
    revision: statement.revision,
    language: statement.language,
    subject: view.subject,
    html: slotted,
    text: emailText(statement, embargo, options.liftMoved),
    replyTo: contact.email ? { name: contact.name, address: contact.email } : null,
    ...(fromName === undefined ? {} : { fromName }),
  };
}

async function runMjml(source: string, statement: Statement): Promise<string> {
  try {
    const result = await mjml2html(source, {
      validationLevel: 'strict',
      fonts: {},
      minify: false,
      beautify: false,
      keepComments: false,
    });
    if (result.errors.length > 0) {
      throw new EmailRenderError(
        'MJML reported errors in the press email.',
        result.errors.map((e) => e.formattedMessage),
      );
    }
    return result.html;
  } catch (error) {
    if (error instanceof EmailRenderError) throw error;
    const details =
      error instanceof Error && 'errors' in error && Array.isArray(error.errors)
        ? error.errors.map((e: unknown) =>
            typeof e === 'object' && e !== null && 'formattedMessage' in e
              ? String(e.formattedMessage)
              : String(e),
          )
        : [];
    throw new EmailRenderError(
      `MJML could not render the press email for ${statement.id} revision ${statement.revision}: ${
        error instanceof Error ? error.message : String(error)
      }`,
      details,
      { cause: error },
    );
  }
}

/** The Markdown field with the most HTML: the one to tell the author to shorten. */
function largestField(view: PressEmailView): MarkdownField {
  const sizes: Array<[MarkdownField, number]> = [
    ['body', String(view.body ?? '').length],
    ['callout', String(view.callout ?? '').length],
    ['notesToEditors', String(view.notesToEditors ?? '').length],
  ];
  return sizes.reduce((a, b) => (b[1] > a[1] ? b : a))[0];
}
