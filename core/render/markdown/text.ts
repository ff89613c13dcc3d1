/**
 * Statement Markdown → plain text (the email's text part and the partners'
 * text), and the text utilities they share: wrapping, underlined headings,
 * links written out, control characters dropped.
 */
import type { Token } from 'markdown-it';
import { type Env, md } from './html';

/** Column to wrap plain text at (RFC 5322 recommends lines under 78). */
export const TEXT_WIDTH = 76;

// biome-ignore lint/suspicious/noControlCharactersInRegex: this regex exists to strip control characters.
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f]/g;
/** Where a line may break: ASCII and Unicode line/paragraph separators, not NBSP. */
const BREAKABLE = /[\t\n\v\f\r \u0085\u2028\u2029]+/;

/** Drop invisible control characters (tab and newline are kept): they only break terminals. */
export function cleanText(text: string): string {
  return text.replace(CONTROL, '');
}

function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/**
 * Greedy word wrap at `width` columns. Words (and so URLs) are never split: a
 * word longer than the width gets a line of its own. `\n` forces a break.
 */
export function wrapText(text: string, width: number = TEXT_WIDTH): string[] {
  const lines: string[] = [];
  for (const segment of cleanText(text).split('\n')) {
    const words = segment.split(BREAKABLE).filter((w) => w.length > 0);
    let line = '';
    let lineWidth = 0;
    for (const word of words) {
      const w = codePoints(word);
      if (line === '') {
        line = word;
        lineWidth = w;
      } else if (lineWidth + 1 + w <= width) {
        line += ` ${word}`;
        lineWidth += 1 + w;
      } else {
        lines.push(line);
        line = word;
        lineWidth = w;
      }
    }
    lines.push(line);
  }
  return lines;
}

/** A heading underlined like GOV.UK Notify's plain text: `=` or `-` as wide as its longest line. */
export function underlined(text: string, char: '=' | '-', width: number = TEXT_WIDTH): string[] {
  const lines = wrapText(text, width);
  const longest = Math.max(1, ...lines.map(codePoints));
  return [...lines, char.repeat(Math.min(longest, width))];
}

/** How a URL reads in text: mailto:/tel: without the scheme. */
function displayUrl(href: string): string {
  const m = /^(mailto|tel):(.*)$/i.exec(href);
  if (!m) return href;
  try {
    return decodeURIComponent(m[2] ?? '');
  } catch {
    return m[2] ?? '';
  }
}

/** `label: URL`, or just the URL when the label already is it. Used for inline and listed links alike. */
export function linkText(label: string, href: string): string {
  const url = displayUrl(href);
  const trimmed = label.trim();
  if (trimmed === '' || trimmed === url || trimmed === href) return url;
  return `${trimmed}: ${url}`;
}

type LinkMode = 'label-and-url' | 'label-only';

function inlineText(children: readonly Token[], links: LinkMode): string {
  // Pieces, not one growing string: re-slicing the whole paragraph at every link was quadratic.
  const parts: string[] = [];
  const stack: Array<{ href: string; start: number }> = [];
  for (const child of children) {
    switch (child.type) {
      case 'text':
      case 'code_inline':
        parts.push(child.content);
        break;
      case 'softbreak':
        parts.push(' ');
        break;
      case 'hardbreak':
        parts.push('\n');
        break;
      case 'link_open':
        stack.push({ href: String(child.attrGet('href') ?? ''), start: parts.length });
        break;
      case 'link_close': {
        const link = stack.pop();
        if (link && links === 'label-and-url') {
          parts.push(linkText(parts.splice(link.start).join(''), link.href));
        }
        break;
      }
      default:
        // em/strong markers and anything else carry no text of their own.
        break;
    }
  }
  return parts.join('');
}

type Block =
  | { type: 'paragraph'; text: string }
  | { type: 'heading'; text: string }
  | { type: 'list'; ordered: boolean; start: number; tight: boolean; items: Block[][] }
  | { type: 'quote'; children: Block[] }
  | { type: 'hr' };

/** Token stream → a small block tree (paragraphs, headings, lists, quotes). */
function toBlocks(tokens: readonly Token[], links: LinkMode): Block[] {
  const root: Block[] = [];
  // Each frame collects the blocks of one container (document, list item, quote).
  const frames: Block[][] = [root];
  const lists: Array<Extract<Block, { type: 'list' }>> = [];
  let pending: 'paragraph' | 'heading' | null = null;
  const current = () => frames[frames.length - 1] as Block[];
  for (const token of tokens) {
    switch (token.type) {
      case 'paragraph_open':
        pending = 'paragraph';
        if (token.hidden && lists.length > 0)
          (lists[lists.length - 1] as { tight: boolean }).tight = true;
        break;
      case 'heading_open':
        pending = 'heading';
        break;
      case 'inline':
        if (pending)
          current().push({ type: pending, text: inlineText(token.children ?? [], links) });
        pending = null;
        break;
      case 'bullet_list_open':
      case 'ordered_list_open': {
        const list: Extract<Block, { type: 'list' }> = {
          type: 'list',
          ordered: token.type === 'ordered_list_open',
          start: Number(token.attrGet('start') ?? 1),
          tight: false,
          items: [],
        };
        current().push(list);
        lists.push(list);
        break;
      }
      case 'bullet_list_close':
      case 'ordered_list_close':
        lists.pop();
        break;
      case 'list_item_open': {
        const item: Block[] = [];
        lists[lists.length - 1]?.items.push(item);
        frames.push(item);
        break;
      }
      case 'blockquote_open': {
        const quote: Block = { type: 'quote', children: [] };
        current().push(quote);
        frames.push(quote.children);
        break;
      }
      case 'list_item_close':
      case 'blockquote_close':
        frames.pop();
        break;
      case 'hr':
        current().push({ type: 'hr' });
        break;
      default:
        break;
    }
  }
  return root;
}

function prefixLines(lines: string[], first: string, rest: string): string[] {
  return lines.map((line, i) => {
    const prefix = i === 0 ? first : rest;
    return line === '' ? prefix.trimEnd() : prefix + line;
  });
}

/** Blocks separated by blank lines; inside a tight list item (`tight`) they follow on directly. */
function renderBlocks(blocks: readonly Block[], width: number, tight = false): string[] {
  const out: string[] = [];
  for (const block of blocks) {
    if (out.length > 0 && !tight) out.push('');
    switch (block.type) {
      case 'paragraph':
        out.push(...wrapText(block.text, width));
        break;
      case 'heading':
        out.push(...underlined(block.text, '-', width));
        break;
      case 'hr':
        out.push('* * *');
        break;
      case 'quote':
        // A floor as for lists: deeply nested quotes must not wrap one word per line.
        out.push(...prefixLines(renderBlocks(block.children, Math.max(20, width - 2)), '> ', '> '));
        break;
      case 'list': {
        block.items.forEach((item, i) => {
          const marker = block.ordered ? `${block.start + i}. ` : '- ';
          const indent = ' '.repeat(marker.length);
          if (i > 0 && !block.tight) out.push('');
          const lines = renderBlocks(item, Math.max(20, width - marker.length), block.tight);
          out.push(...prefixLines(lines.length > 0 ? lines : [''], marker, indent));
        });
        break;
      }
    }
  }
  return out;
}

/** Markdown → plain text lines (no trailing newline), wrapped at `width`. */
export function markdownToText(source: string, width: number = TEXT_WIDTH): string {
  const tokens = md.parse(source, {} satisfies Env);
  return renderBlocks(toBlocks(tokens, 'label-and-url'), width).join('\n');
}

/**
 * The text of the first paragraph (not heading) of a Markdown document, with
 * emphasis stripped and links reduced to their labels; null when there is none.
 */
export function firstParagraphText(source: string): string | null {
  const tokens = md.parse(source, {} satisfies Env);
  const find = (blocks: readonly Block[]): string | null => {
    for (const block of blocks) {
      if (block.type === 'paragraph' && block.text.trim() !== '') return block.text;
      if (block.type === 'quote') {
        const inner = find(block.children);
        if (inner !== null) return inner;
      }
      if (block.type === 'list') {
        for (const item of block.items) {
          const inner = find(item);
          if (inner !== null) return inner;
        }
      }
    }
    return null;
  };
  return find(toBlocks(tokens, 'label-only'));
}

// ---------------------------------------------------------------------------
