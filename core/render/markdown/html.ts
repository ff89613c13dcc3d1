/**
 * Statement Markdown (body, callout, notes to editors) → email HTML.
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
import { TrustedHtml } from '../mjml-tag';
import { findPhoneNumbers } from '../phone';
import { LINK_STYLE, NOWRAP } from '../template/tokens';

export type HeadingLevel = 2 | 3;
export type TextDirection = 'ltr' | 'rtl';

export interface MarkdownHtmlOptions {
  /** The level Markdown `#` maps to. */
  headingLevel: HeadingLevel;
  dir?: TextDirection;
  /** Turn UK phone numbers in the text into `tel:` links (the callout's helpline). */
  linkPhones?: boolean;
}

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

export interface Env extends MarkdownEnv {
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

/** The one parser: the plain text and the size budget read what the HTML shows. */
export const md = createMarkdown();

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
