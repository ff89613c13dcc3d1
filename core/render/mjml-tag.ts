/**
 * An escaping tagged template for MJML/HTML. MJML escapes nothing (ending tags
 * such as mj-text and mj-raw pass their content through raw, and mj-title goes
 * raw into <title> and an aria-label), so every interpolation is escaped here
 * unless it is explicitly `trusted` (markdown-it output, nested `mjml` fragments).
 * Escaping is the default; forgetting it is impossible.
 */

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Escape text for HTML element content. Also safe inside a double- or
 * single-quoted attribute, so it is the escape to pass to `fillSlots` for the
 * HTML part: `fillSlots(email.html, values, escapeHtml)`.
 */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/**
 * Escape a value for a quoted attribute. The five characters above are all an
 * attribute needs (`{`/`}`, `=` and backticks are harmless inside quotes);
 * a separate name keeps call sites saying what they mean.
 */
export function escapeAttribute(value: string): string {
  return escapeHtml(value);
}

/**
 * Markup that is already safe. Only this module and callers that produced the
 * markup themselves (markdown-it with html:false, nested `mjml` fragments) may
 * create one; a private field stops a plain object from passing for it.
 */
export class TrustedHtml {
  readonly #html: string;
  constructor(html: string) {
    this.#html = html;
  }
  toString(): string {
    return this.#html;
  }
}

/** Mark markup as safe to interpolate unescaped. Use only for markup Herald generated. */
export function trusted(html: string): TrustedHtml {
  return new TrustedHtml(html);
}

/**
 * What may be interpolated. `null`, `undefined` and `false` render nothing so
 * that `${cond && mjml`…`}` works; arrays (of fragments or text) are joined.
 */
export type MjmlValue =
  | string
  | number
  | TrustedHtml
  | null
  | undefined
  | false
  | readonly MjmlValue[];

function render(value: MjmlValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof TrustedHtml) return value.toString();
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

/** Tagged template: text interpolations are escaped, `TrustedHtml` passes through. */
export function mjml(strings: TemplateStringsArray, ...values: readonly MjmlValue[]): TrustedHtml {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) {
    out += render(values[i] as MjmlValue) + (strings[i + 1] ?? '');
  }
  return new TrustedHtml(out);
}
