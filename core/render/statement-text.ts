/**
 * The plain text of a statement: the email's text part (with its greeting and
 * unsubscribe slots) and the whole statement for partners, wrapped at 76
 * columns, with lift times and dates kept on one line as in the HTML.
 */
import type { Statement } from '../statement/schema';
import type { EmbargoInfo, LiftMoved, SlottedText } from '../types';
import { labelsFor, WITHDRAWN_LABEL } from './labels';
import { linkText, markdownToText, TEXT_WIDTH, underlined, wrapText } from './markdown';
import {
  embargoPhrase,
  formatIssued,
  isCorrection,
  isWithdrawn,
  liftedEarlyPhrase,
} from './notices';
import type { Phrase } from './template/press-email';

/**
 * The text part: greeting slot, the statement, the embargo again after the
 * media contact (as in the HTML), then a footer ending in the unsubscribe slot.
 */
export function emailText(
  statement: Statement,
  embargo: EmbargoInfo | null,
  liftMoved: LiftMoved | undefined,
): SlottedText {
  const org = statement.organisation;
  const labels = labelsFor(statement.language);
  const footer = [
    '-- ',
    ...wrapText(labels.whyReceiving(org.name)),
    ...(org.website ? [org.website] : []),
  ].join('\n');
  const reminder =
    embargo && !isWithdrawn(statement)
      ? `\n\n${wrapPhrase(embargoPhrase(embargo, liftMoved)).join('\n')}`
      : '';
  return {
    parts: [
      '',
      `\n\n${renderStatementText(statement, embargo, { liftMoved })}${reminder}\n\n${footer}\n${labels.unsubscribeText} `,
      '\n',
    ],
    slots: ['greeting', 'unsubscribeUrl'],
  };
}

/** Wrapped like wrapText, but never inside a lift time or date (each kept on one line, as in the HTML). */
function wrapPhrase(phrase: Phrase): string[] {
  // No-break spaces hold the kept pieces together while wrapping, then become spaces again.
  const held = phrase
    .map((p) => (typeof p === 'string' ? p : keptPieces(p.keep).join(' ')))
    .join('');
  return wrapText(held).map((line) => line.replaceAll('\u00a0', ' '));
}

/** `kind · Ref: … · date`, wrapped only between the parts (a part longer than 30 characters may break at its spaces). */
function wrapKept(parts: readonly string[]): string[] {
  const held = parts.map((part) => (part.length <= 30 ? part.replace(/ /g, '\u00a0') : part));
  return wrapText(held.join('\u00a0· ')).map((line) => line.replaceAll('\u00a0', ' '));
}

/** `00:01 GMT, Wednesday 21 February 2024` → the time and the date, each with no-break spaces. */
function keptPieces(display: string): string[] {
  const comma = display.indexOf(', ');
  const pieces = comma === -1 ? [display] : [display.slice(0, comma + 1), display.slice(comma + 2)];
  return pieces.map((piece) => piece.replace(/ /g, '\u00a0'));
}

/**
 * The whole statement as plain text, wrapped at 76 columns, with no slots:
 * notices, kind/reference/date, headline, subheading, body, signoff, callout,
 * links as `label: URL`, notes to editors and the media contact.
 */
export function renderStatementText(
  statement: Statement,
  embargo: EmbargoInfo | null,
  options: { liftMoved?: LiftMoved | undefined } = {},
): string {
  const withdrawn = isWithdrawn(statement);
  const labels = labelsFor(statement.language);
  const blocks: string[][] = [];
  const add = (...lines: string[]) => {
    if (lines.length > 0) blocks.push(lines);
  };

  if (withdrawn) {
    add(
      WITHDRAWN_LABEL,
      ...wrapText(`${labels.withdrawalExplanation} ${statement.withdrawalReason ?? ''}`),
    );
  } else {
    if (embargo) add(...wrapPhrase(embargoPhrase(embargo, options.liftMoved)));
    else if (options.liftMoved) add(...wrapPhrase(liftedEarlyPhrase(options.liftMoved)));
    if (isCorrection(statement) && statement.correction) {
      add(...wrapText(`${labels.correctionLine(statement.revision)} ${statement.correction}`));
    }
  }

  const meta = [
    labels.kinds[statement.kind],
    statement.reference && `${labels.reference} ${statement.reference}`,
    formatIssued(statement.issued, statement.language),
  ].filter((p): p is string => typeof p === 'string' && p !== '');
  add(...wrapKept(meta), ...wrapText(statement.organisation.name));
  add(...underlined(statement.headline, '='));
  if (statement.subheading) add(...wrapText(statement.subheading));

  if (!withdrawn) {
    add(markdownToText(statement.body));
    if (statement.signoff) {
      add(
        ...wrapText(statement.signoff.name),
        ...(statement.signoff.role ? wrapText(statement.signoff.role) : []),
      );
    }
    if (statement.callout) {
      // A bar down the side marks the highlighted box, as "> " marks a quote.
      add(
        ...markdownToText(statement.callout, TEXT_WIDTH - 2)
          .split('\n')
          .map((line) => (line === '' ? '|' : `| ${line}`)),
      );
    }
    if (statement.links && statement.links.length > 0) {
      add(
        ...underlined(labels.links, '-'),
        ...statement.links.flatMap((l) =>
          wrapText(linkText(l.label, l.url), TEXT_WIDTH - 2).map(
            (line, i) => (i === 0 ? '- ' : '  ') + line,
          ),
        ),
      );
    }
    if (statement.notesToEditors) {
      add(...underlined(labels.notesToEditors, '-'), markdownToText(statement.notesToEditors));
    }
  }

  const c = statement.mediaContact;
  add(
    ...underlined(labels.mediaContact, '-'),
    ...wrapText(c.role ? `${c.name}, ${c.role}` : c.name),
    ...(c.email ? [`${labels.email} ${c.email}`] : []),
    ...(c.phone ? [`${labels.phone} ${c.phone}`] : []),
  );

  return blocks.map((lines) => lines.join('\n')).join('\n\n');
}
