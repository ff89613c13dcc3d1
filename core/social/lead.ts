/**
 * The social lead and the envelope summary: the statement's summary, or its
 * first paragraph as plain text (links as their labels), as the email's
 * preheader takes it. Not imported from core/render/email because that module
 * loads MJML, and the release Lambda (which builds `statement.released`
 * envelopes) must not bundle it; core/render/markdown is MJML-free.
 */
import { firstParagraphText, markdownToText } from '../render/markdown';
import type { Statement } from '../statement/schema';

const SUMMARY_MAX = 280;

export function leadOf(statement: Pick<Statement, 'summary' | 'body'>): string {
  if (statement.summary !== undefined) return oneLine(statement.summary);
  const paragraph = oneLine(firstParagraphText(statement.body) ?? markdownToText(statement.body));
  return paragraph.length <= SUMMARY_MAX ? paragraph : cutAtSpace(paragraph, SUMMARY_MAX);
}

function oneLine(text: string): string {
  return text.replace(/\s+/gu, ' ').trim();
}

/** At most `max` UTF-16 units including the "…", at the last space (or grapheme when there is none). */
function cutAtSpace(text: string, max: number): string {
  const room = max - 1;
  const space = text.lastIndexOf(' ', room);
  let cut: string;
  if (space > room / 2) cut = text.slice(0, space);
  else {
    cut = '';
    for (const { segment } of new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(
      text,
    )) {
      if (cut.length + segment.length > room) break;
      cut += segment;
    }
  }
  return `${cut.replace(/[\s,;:–—-]+$/u, '')}…`;
}
