/**
 * The fixed words of the press email (HTML and text part) in the statement's
 * language: section headings, contact labels, kind labels, notices and footer.
 *
 * English and Welsh (`cy`, Welsh Language Standards: a Welsh statement gets no
 * English chrome). Any other language falls back to English. Matched on the
 * primary subtag, so `cy-GB` is Welsh and `en-US` is English.
 *
 * Deliberately NOT here, and English whatever the language (UK press
 * convention): the subject prefixes (`EMBARGOED until …`, `CORRECTION:`,
 * `WITHDRAWN – DO NOT PUBLISH:`), the embargo notice and the withdrawal
 * banner heading. The per-recipient greeting comes from core/mime.
 */
import type { StatementKind } from '../statement/schema';

/** The kinds in English (also the English labels' `kinds`). */
export const KIND_LABELS: Readonly<Record<StatementKind, string>> = {
  'press-release': 'Press release',
  'partnership-statement': 'Partnership statement',
  'media-advisory': 'Media advisory',
  statement: 'Statement',
};

export interface EmailLabels {
  /** `Press release`, `Partnership statement`, … */
  readonly kinds: Readonly<Record<StatementKind, string>>;
  /** Before the statement's reference: `Ref:` (followed by a space and the reference). */
  readonly reference: string;
  /** Section headings. */
  readonly links: string;
  readonly notesToEditors: string;
  readonly mediaContact: string;
  /** Before the contact's address and number: `Email:`, `Phone:`. */
  readonly email: string;
  readonly phone: string;
  /** The title of the correction box in the HTML. */
  readonly correctionTitle: string;
  /** The correction box's first sentence (HTML). */
  readonly correctionReplaces: (revision: number) => string;
  /** The correction line that opens the text part. */
  readonly correctionLine: (revision: number) => string;
  /** Under the (English) withdrawal heading; the reason follows it after a space. */
  readonly withdrawalExplanation: string;
  /** Inbox preview prefixes, each followed by a space and the text. */
  readonly previewWithdrawn: string;
  readonly previewCorrection: string;
  /** Inbox preview when nothing better is available: `Press release from X`. */
  readonly kindFrom: (kind: string, organisation: string) => string;
  /** Footer: why the reader has this email. */
  readonly whyReceiving: (organisation: string) => string;
  /** The unsubscribe link text (HTML). */
  readonly unsubscribeLink: string;
  /** Before the unsubscribe URL in the text part (followed by a space). */
  readonly unsubscribeText: string;
  /** Heading of the summary in a long email's opening box. */
  readonly summary: string;
  /** A long email's opening box: Gmail and others show only the first part. */
  readonly longEmail: string;
}

const ENGLISH: EmailLabels = {
  kinds: KIND_LABELS,
  reference: 'Ref:',
  links: 'Further information',
  notesToEditors: 'Notes to editors',
  mediaContact: 'Media contact',
  email: 'Email:',
  phone: 'Phone:',
  correctionTitle: 'CORRECTION',
  correctionReplaces: (revision) =>
    `This version (revision ${revision}) replaces the one sent earlier.`,
  correctionLine: (revision) =>
    `CORRECTION: this version (revision ${revision}) replaces the one sent earlier.`,
  withdrawalExplanation:
    'This statement has been withdrawn. Do not publish or broadcast it, and remove it if you have already used it. Reason:',
  previewWithdrawn: 'Withdrawn:',
  previewCorrection: 'Correction:',
  kindFrom: (kind, organisation) => `${kind} from ${organisation}`,
  whyReceiving: (organisation) =>
    `You are receiving this email because you are on the press list for statements from ${organisation}.`,
  unsubscribeLink: 'Unsubscribe from these press emails',
  unsubscribeText: 'Unsubscribe:',
  summary: 'Summary',
  longEmail:
    'This is a long statement. Gmail and some other email programs show only the first part of it: choose "View entire message" (or similar) to read it all.',
};

const WELSH: EmailLabels = {
  kinds: {
    'press-release': "Datganiad i'r wasg",
    'partnership-statement': 'Datganiad partneriaeth',
    'media-advisory': "Hysbysiad i'r cyfryngau",
    statement: 'Datganiad',
  },
  reference: 'Cyf:',
  links: 'Rhagor o wybodaeth',
  notesToEditors: 'Nodiadau i olygyddion',
  mediaContact: "Cyswllt â'r cyfryngau",
  email: 'E-bost:',
  phone: 'Ffôn:',
  correctionTitle: 'CYWIRIAD',
  correctionReplaces: (revision) =>
    `Mae'r fersiwn hon (diwygiad ${revision}) yn disodli'r un a anfonwyd yn gynharach.`,
  correctionLine: (revision) =>
    `CYWIRIAD: mae'r fersiwn hon (diwygiad ${revision}) yn disodli'r un a anfonwyd yn gynharach.`,
  withdrawalExplanation:
    "Mae'r datganiad hwn wedi'i dynnu'n ôl. Peidiwch â'i gyhoeddi na'i ddarlledu, ac os ydych eisoes wedi'i ddefnyddio, tynnwch ef i lawr. Rheswm:",
  previewWithdrawn: "Wedi'i dynnu'n ôl:",
  previewCorrection: 'Cywiriad:',
  kindFrom: (kind, organisation) => `${kind} gan ${organisation}`,
  whyReceiving: (organisation) =>
    `Rydych yn cael yr e-bost hwn oherwydd eich bod ar restr y wasg ar gyfer datganiadau gan ${organisation}.`,
  unsubscribeLink: "Dad-danysgrifio o'r negeseuon e-bost hyn i'r wasg",
  unsubscribeText: 'Dad-danysgrifio:',
  summary: 'Crynodeb',
  longEmail:
    'Mae hwn yn ddatganiad hir. Mae Gmail a rhai rhaglenni e-bost eraill yn dangos y rhan gyntaf yn unig: dewiswch "View entire message" (neu debyg) i\'w ddarllen i gyd.',
};

const BY_PRIMARY_SUBTAG: ReadonlyMap<string, EmailLabels> = new Map([
  ['en', ENGLISH],
  ['cy', WELSH],
]);

/** The labels for a BCP 47 tag, by its primary subtag; English for any language without a set. */
export function labelsFor(language: string): EmailLabels {
  const primary = language.trim().split(/[-_]/, 1)[0]?.toLowerCase() ?? '';
  return BY_PRIMARY_SUBTAG.get(primary) ?? ENGLISH;
}

/** The withdrawal banner and subject prefix: English in every language (a UK press convention). */
export const WITHDRAWN_LABEL = 'WITHDRAWN – DO NOT PUBLISH';
