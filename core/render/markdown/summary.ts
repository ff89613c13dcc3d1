/** The statement's summary as one line (MJML-free, so the social copy and envelopes can share it). */
import type { Statement } from '../../statement/schema';
import { cleanText, firstParagraphText, markdownToText } from './text';

export const SUMMARY_MAX = 280;

/** One line: any run of whitespace (including U+2028, U+2029 and NEL) becomes one space. */
export function oneLine(text: string): string {
  return cleanText(text)
    .replace(/[\s\u0085]+/gu, ' ')
    .trim();
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * Cut `text` to at most `max` UTF-16 units including the "…", at a word
 * boundary when there is one in the second half, never inside a grapheme.
 */
export function truncateAtWord(text: string, max: number): string {
  if (text.length <= max) return text;
  const limit = max - 1;
  let cut = '';
  for (const { segment } of graphemes.segment(text)) {
    if (cut.length + segment.length > limit) break;
    cut += segment;
  }
  // Prefer a word boundary, unless that throws away most of the text (e.g. CJK without spaces).
  const boundary = cut.search(/\s\S*$/u);
  if (boundary > limit / 2 && !/\s/u.test(text.charAt(cut.length))) cut = cut.slice(0, boundary);
  return `${cut.replace(/[\s,;:\-–—]+$/u, '')}…`;
}

/**
 * The statement's summary, or its first body paragraph as plain text (links
 * as their labels, emphasis stripped), cut at a word boundary with "…" to at
 * most 280 characters. The email preheader, social lead and envelope use it.
 */
export function summaryOf(statement: Pick<Statement, 'summary' | 'body'>): string {
  if (statement.summary !== undefined) return oneLine(statement.summary);
  const source = firstParagraphText(statement.body) ?? markdownToText(statement.body);
  return truncateAtWord(oneLine(source), SUMMARY_MAX);
}

// ---------------------------------------------------------------------------
