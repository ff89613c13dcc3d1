/**
 * The social lead: the statement's summary, or its first paragraph as plain
 * text. Kept private to core/social so the send bundle and the social copy do
 * not depend on the email renderer (core/render/email imports MJML).
 */
import type { Statement } from '../statement/schema';

const SUMMARY_MAX = 280;

export function leadOf(statement: Pick<Statement, 'summary' | 'body'>): string {
  if (statement.summary !== undefined) return collapse(statement.summary);
  const paragraph = firstParagraph(statement.body);
  return paragraph.length <= SUMMARY_MAX ? paragraph : cutAtSpace(paragraph, SUMMARY_MAX);
}

function firstParagraph(markdown: string): string {
  const blocks = markdown.replace(/\r\n?/g, '\n').split(/\n[ \t]*\n/);
  // Skip headings, rules and fences: they are not sentences a reader can follow.
  const block =
    blocks.find((b) => {
      const t = b.trim();
      return t !== '' && !/^(#{1,6}\s|([-*_])\s*\2\s*\2|```|~~~)/.test(t);
    }) ??
    blocks.find((b) => b.trim() !== '') ??
    '';
  return collapse(stripInlineMarkdown(block));
}

/** Markdown syntax a reader should not see in a post; raw HTML stays as text (DESIGN §3). */
function stripInlineMarkdown(block: string): string {
  return block
    .split('\n')
    .map((line) => line.replace(/^\s{0,3}(>\s?)+/, '').replace(/^\s*([-*+]|\d+[.)])\s+/, ''))
    .join(' ')
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
    .replace(/<(https:\/\/[^>\s]+)>/g, '$1')
    // Underscores inside words (snake_case, URLs) are not emphasis in CommonMark.
    .replace(/(\*\*|(?<![\p{L}\p{N}])__)(?=\S)(.+?)(?<=\S)\1/gu, '$2')
    .replace(/(\*|(?<![\p{L}\p{N}])_)(?=\S)(.+?)(?<=\S)\1(?![\p{L}\p{N}])/gu, '$2')
    .replace(/`([^`]+)`/g, '$1');
}

function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function cutAtSpace(text: string, max: number): string {
  const room = max - 1;
  const space = text.lastIndexOf(' ', room);
  const cut = space > 0 ? text.slice(0, space) : Array.from(text).slice(0, room).join('');
  return `${cut.replace(/[\s,;:–—-]+$/u, '')}…`;
}
