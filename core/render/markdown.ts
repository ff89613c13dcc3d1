/**
 * Statement Markdown (body, callout, notes to editors) → email HTML and plain text.
 *
 * - Raw HTML is never rendered (`html: false`: it is shown as text), and images,
 *   tables, strikethrough and code blocks are off: a press statement needs
 *   paragraphs, lists, links, emphasis, headings and quotes (docs/statement-format.md).
 * - Only https:, mailto: and tel: links become <a>; anything else (javascript:,
 *   data:, http:, relative, empty) stays plain text.
 * - Headings are shifted so the email's outline holds: the headline is the only
 *   h1 and sections are h2, so Markdown `#` becomes `headingLevel` (2 or 3, the
 *   caller picks what sits under its nearest heading), `##` one deeper, and
 *   everything deeper is capped at h4. A heading is never more than one level
 *   deeper than the one before it (`#` then `###` gives h2 then h3), so screen
 *   reader users navigating by heading never meet a gap.
 * - With `linkPhones`, UK phone numbers in the text become `tel:` links (./phone).
 * - Email clients drop most <style> blocks, so every element gets inline styles,
 *   set as token attributes (not by rewriting HTML).
 * - A reference-style link (`[text][name]` with one `[name]: https://…` line)
 *   writes its address out again at every use, so a 30 KB field could expand to
 *   megabytes. The addresses reference links write out are capped per field at
 *   REFERENCE_LINK_BUDGET characters; uses past it stay plain text (their label),
 *   and checkRenderBudget reports them so the author fixes the file.
 */
import MarkdownIt, { type Env as MarkdownEnv, type StateCore, type Token } from 'markdown-it';
import type { Statement } from '../statement/schema';
import type { Issue } from '../types';
import { escapeHtml, TrustedHtml } from './mjml-tag';
import { findPhoneNumbers } from './phone';

export type HeadingLevel = 2 | 3;
export type TextDirection = 'ltr' | 'rtl';

export interface MarkdownHtmlOptions {
  /** The level Markdown `#` maps to. */
  headingLevel: HeadingLevel;
  dir?: TextDirection;
  /** Turn UK phone numbers in the text into `tel:` links (the callout's helpline). */
  linkPhones?: boolean;
}

/** Link colour and the body text sizes, shared with the template. */
export const LINK_COLOUR = '#1D70B8';
export const LINK_STYLE = `color:${LINK_COLOUR};text-decoration:underline`;
/** Keeps a phone number, date or reference on one line on a phone screen. */
export const NOWRAP = 'white-space:nowrap';
const MAX_HEADING = 4;

const HEADING_STYLES: Record<number, string> = {
  2: 'margin:32px 0 12px;font-size:24px;line-height:1.3;font-weight:700',
  3: 'margin:24px 0 8px;font-size:20px;line-height:1.35;font-weight:700',
  4: 'margin:20px 0 8px;font-size:18px;line-height:1.4;font-weight:700',
};

function blockStyles(dir: TextDirection): Record<string, string> {
  const start = dir === 'rtl' ? 'right' : 'left';
  return {
    paragraph_open: 'margin:0 0 16px',
    bullet_list_open: `margin:0 0 16px;padding:0;padding-${start}:24px`,
    ordered_list_open: `margin:0 0 16px;padding:0;padding-${start}:24px`,
    list_item_open: 'margin:0 0 8px',
    blockquote_open: `margin:0 0 16px;padding:0;padding-${start}:16px;border-${start}:4px solid #B1B4B6`,
    hr: 'border:0;border-top:1px solid #B1B4B6;margin:24px 0',
  };
}

/** The only URL schemes that may become links (docs/statement-format.md). */
export function isAllowedUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol === 'https:') return parsed.hostname.includes('.') && !parsed.username;
  if (parsed.protocol === 'mailto:' || parsed.protocol === 'tel:')
    return parsed.pathname.length > 0;
  return false;
}

/**
 * Characters of link addresses that reference-style links may write out in one
 * Markdown field: as much as the longest field (the body) may hold. Inline
 * links need no cap: their addresses are in the source, which the schema caps.
 */
export const REFERENCE_LINK_BUDGET = 30_000;

interface Env extends MarkdownEnv {
  headingLevel?: HeadingLevel;
  dir?: TextDirection;
  linkPhones?: boolean;
  /** Address characters reference links asked for so far (kept or not); set by the core rule. */
  referenceChars?: number;
}

/** markdown-it sets `meta.label` on `[text][name]`, `[text][]` and `[name]` links, never on inline ones. */
function isReferenceLink(token: Token): boolean {
  const meta: unknown = token.meta;
  return typeof meta === 'object' && meta !== null && 'label' in meta;
}

/** A heading's level after the shift: Markdown level 1 → `base`, capped at h4. */
function shiftedLevel(markdownLevel: number, base: HeadingLevel): number {
  return Math.min(base + markdownLevel - 1, MAX_HEADING);
}

function setStyle(token: Token, style: string): void {
  token.attrSet('style', style);
}

/**
 * Drop link tokens whose href fails `isAllowedUrl` (markdown-it still emits
 * `[x]()` with an empty href) or that would take reference links past
 * REFERENCE_LINK_BUDGET, keeping their text, and style the rest.
 */
function processInline(children: Token[], env: Env, state: StateCore): Token[] {
  const out: Token[] = [];
  const dropped: boolean[] = [];
  let linkDepth = 0;
  for (const child of children) {
    if (child.type === 'text' && env.linkPhones && linkDepth === 0) {
      out.push(...phoneLinks(child, state));
      continue;
    }
    if (child.type === 'link_open') linkDepth++;
    else if (child.type === 'link_close') linkDepth--;
    if (child.type === 'link_open') {
      const href = String(child.attrGet('href') ?? '');
      let ok = isAllowedUrl(href);
      if (ok && isReferenceLink(child)) {
        env.referenceChars = (env.referenceChars ?? 0) + href.length;
        ok = env.referenceChars <= REFERENCE_LINK_BUDGET;
      }
      dropped.push(!ok);
      if (!ok) continue;
      // A title attribute is invisible on touch screens and read twice by screen readers.
      child.attrs = (child.attrs ?? []).filter(([name]) => name === 'href');
      setStyle(child, LINK_STYLE);
    } else if (child.type === 'link_close') {
      if (dropped.pop() === true) continue;
    } else if (child.type === 'code_inline') {
      setStyle(child, 'font-family:Consolas,Menlo,monospace;font-size:16px');
    }
    out.push(child);
  }
  return out;
}

/** A text token split around the UK phone numbers in it, each wrapped in a styled `tel:` link. */
function phoneLinks(token: Token, state: StateCore): Token[] {
  const matches = findPhoneNumbers(token.content);
  if (matches.length === 0) return [token];
  const out: Token[] = [];
  const text = (content: string) => {
    if (content === '') return;
    const t = new state.Token('text', '', 0);
    t.content = content;
    out.push(t);
  };
  let at = 0;
  for (const m of matches) {
    text(token.content.slice(at, m.start));
    const open = new state.Token('link_open', 'a', 1);
    open.attrs = [
      ['href', m.href],
      ['style', `${LINK_STYLE};${NOWRAP}`],
    ];
    out.push(open);
    text(token.content.slice(m.start, m.end));
    out.push(new state.Token('link_close', 'a', -1));
    at = m.end;
  }
  text(token.content.slice(at));
  return out;
}

function emailRule(state: StateCore): void {
  const env = state.env as Env;
  const base = env.headingLevel ?? 3;
  const styles = blockStyles(env.dir ?? 'ltr');
  // The level of the heading before: the field sits under a heading one above `base`.
  let previous = base - 1;
  let open: number = base;
  for (const token of state.tokens) {
    if (token.type === 'heading_open') {
      const shifted = shiftedLevel(
        token.markup.startsWith('#') ? token.markup.length : setextLevel(token),
        base,
      );
      open = Math.min(shifted, previous + 1);
      previous = open;
      token.tag = `h${open}`;
      setStyle(token, HEADING_STYLES[open] ?? '');
    } else if (token.type === 'heading_close') {
      token.tag = `h${open}`;
    } else if (token.type === 'inline' && token.children) {
      token.children = processInline(token.children, env, state);
    } else {
      const style = styles[token.type];
      if (style !== undefined) setStyle(token, style);
    }
  }
}

/** Setext headings have markup `=` (level 1) or `-` (level 2); the original tag says which. */
function setextLevel(token: Token): number {
  return token.markup === '=' ? 1 : token.markup === '-' ? 2 : Number(token.tag.slice(1)) || 1;
}

function createMarkdown() {
  const md = new MarkdownIt('default', {
    html: false,
    linkify: false,
    typographer: false,
    breaks: false,
  });
  // Tables, images (remote, no alt policy), strikethrough and code blocks are not
  // statement Markdown; indented text staying a paragraph is kinder to authors.
  md.disable(['table', 'image', 'strikethrough', 'code', 'fence']);
  md.validateLink = isAllowedUrl;
  md.core.ruler.push('herald_email', emailRule);
  return md;
}

const md = createMarkdown();

/** Markdown → inline-styled HTML, safe to interpolate with `trusted` semantics. */
export function markdownToHtml(source: string, options: MarkdownHtmlOptions): TrustedHtml {
  const env: Env = {
    headingLevel: options.headingLevel,
    dir: options.dir ?? 'ltr',
    linkPhones: options.linkPhones ?? false,
  };
  return new TrustedHtml(md.render(source, env).trim());
}

// ---------------------------------------------------------------------------
// Plain text

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
// Summary (MJML-free, so the social copy and envelopes can share it)

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
// Email size budget (MJML-free, so `herald validate` and ingest can check cheaply)

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
