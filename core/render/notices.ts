/**
 * The notices every rendering of a statement shares (the HTML, the text part,
 * the partners' text): the subject, the embargo and lifted-early phrases, and
 * the issue date in the statement's language.
 */
import type { Statement } from '../statement/schema';
import type { EmbargoInfo, LiftMoved } from '../types';
import { WITHDRAWN_LABEL } from './labels';
import { oneLine } from './markdown';
import type { Phrase } from './template/press-email';

export function isCorrection(statement: Statement): boolean {
  return statement.status === 'publish' && statement.revision > 1;
}

export function isWithdrawn(statement: Statement): boolean {
  return statement.status === 'withdraw';
}

/**
 * `EMBARGOED until 00:01 GMT, Wednesday 21 February 2024 — not for publication
 * or broadcast before this time`; when the lift has moved: `EMBARGOED until
 * <new> — the embargo has moved (it was <old>). Not for publication or
 * broadcast before this time.` Lift times are marked to be kept on one line.
 */
export function embargoPhrase(embargo: EmbargoInfo, liftMoved?: LiftMoved): Phrase {
  if (liftMoved && liftMoved.from.until !== embargo.until) {
    return [
      'EMBARGOED until ',
      { keep: embargo.display },
      ' — the embargo has moved (it was ',
      { keep: liftMoved.from.display },
      '). Not for publication or broadcast before this time.',
    ];
  }
  return [
    'EMBARGOED until ',
    { keep: embargo.display },
    ' — not for publication or broadcast before this time',
  ];
}

/** `EMBARGO LIFTED EARLY — this statement was embargoed until <old>; it may now be published.` */
export function liftedEarlyPhrase(liftMoved: LiftMoved): Phrase {
  return [
    'EMBARGO LIFTED EARLY — this statement was embargoed until ',
    { keep: liftMoved.from.display },
    '; it may now be published.',
  ];
}

function phraseText(phrase: Phrase): string {
  return phrase.map((p) => (typeof p === 'string' ? p : p.keep)).join('');
}

/** The embargo notice as text (see embargoPhrase). */
export function embargoNotice(embargo: EmbargoInfo, liftMoved?: LiftMoved): string {
  return phraseText(embargoPhrase(embargo, liftMoved));
}

/**
 * The subject: `EMBARGOED until <display>: <headline>`, `CORRECTION: …` for a
 * later revision (before the embargo prefix when both apply),
 * `WITHDRAWN – DO NOT PUBLISH: <headline>` for a withdrawal, else the headline.
 * Always one line.
 */
export function emailSubject(statement: Statement, embargo: EmbargoInfo | null): string {
  const headline = oneLine(statement.headline);
  if (isWithdrawn(statement)) return `${WITHDRAWN_LABEL}: ${headline}`;
  let subject = headline;
  if (embargo) subject = `EMBARGOED until ${embargo.display}: ${subject}`;
  if (isCorrection(statement)) subject = `CORRECTION: ${subject}`;
  return subject;
}

/** `21 February 2024` in the statement's language (the date itself, no time zone shift). */
export function formatIssued(issued: string, language: string): string {
  const [y, m, d] = issued.split('-').map(Number) as [number, number, number];
  const date = new Date(0);
  date.setUTCFullYear(y, m - 1, d); // setUTCFullYear, unlike Date.UTC, keeps years below 100
  return new Intl.DateTimeFormat(language, {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  }).format(date);
}
