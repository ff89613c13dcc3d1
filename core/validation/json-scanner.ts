/**
 * The syntax scanner that runs before JSON.parse (./json): it bounds the
 * nesting depth, explains syntax errors in words with a line and column, and
 * records where each field starts and which fields are given twice.
 */
import type { Issue } from '../types';

/** Dotted JSON path of a child: `links.0.url`; '' is the root. */
export function childPath(parent: string, key: string | number): string {
  return parent === '' ? String(key) : `${parent}.${key}`;
}

/** 1-based line and column of a UTF-16 offset in `text`. */
export function lineColumn(text: string, index: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(index, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

/** A syntax error found by the scanner; `depth` marks the nesting limit. */
export class JsonSyntaxProblem extends Error {
  override name = 'JsonSyntaxProblem';
  constructor(
    readonly index: number,
    message: string,
    readonly depth = false,
  ) {
    super(message);
  }
}

const isDigit = (code: number): boolean => code >= 0x30 && code <= 0x39;

const CURLY_QUOTES = new Set(['\u201c', '\u201d', '\u2018', '\u2019']);

/** Recursive-descent JSON syntax checker; recursion is bounded by maxDepth. */
export class Scanner {
  private i = 0;
  private lastComma = -1;
  readonly offsets = new Map<string, number>();
  readonly duplicates: Issue[] = [];

  constructor(
    private readonly text: string,
    private readonly maxDepth: number,
  ) {}

  scanDocument(): void {
    this.value('', 0);
    this.skipSpace();
    if (this.i < this.text.length) {
      this.fail(
        this.i,
        `unexpected ${this.describe(this.i)} after the end of the data: there may be an extra } or ], or two objects one after the other.`,
      );
    }
  }

  private fail(index: number, message: string, depth = false): never {
    throw new JsonSyntaxProblem(index, message, depth);
  }

  private skipSpace(): void {
    const t = this.text;
    while (this.i < t.length) {
      const c = t.charCodeAt(this.i);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) this.i++;
      else break;
    }
  }

  private describe(index: number): string {
    const ch = String.fromCodePoint(this.text.codePointAt(index) ?? 0);
    if (ch === '\u00a0') return 'non-breaking space';
    if (ch === '\ufeff') return 'invisible byte-order mark (U+FEFF)';
    if (ch === '\0') return 'NUL character';
    if (/\p{C}|\p{Z}/u.test(ch)) {
      return `invisible character U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
    }
    return `"${ch}"`;
  }

  /** Problems that often come from word processors or other languages, with their fix. */
  private explainStray(index: number, expected: string): never {
    const ch = this.text[index] ?? '';
    if (CURLY_QUOTES.has(ch)) {
      this.fail(
        index,
        `curly quotes (“ ” ‘ ’) cannot be used here; use straight double quotes (").`,
      );
    }
    if (ch === "'")
      this.fail(
        index,
        `use double quotes ("), not single quotes ('), around text and field names.`,
      );
    if (ch === '/' || ch === '#') this.fail(index, 'JSON does not allow comments; remove them.');
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(index, index + 40))?.[0];
    if (word) {
      this.fail(
        index,
        `unexpected word ${word}: text must be in double quotes, like "${word}" (true, false and null are written in lower case, without quotes).`,
      );
    }
    this.fail(index, `expected ${expected}, but found ${this.describe(index)}.`);
  }

  private value(path: string, depth: number): void {
    this.skipSpace();
    const t = this.text;
    if (this.i >= t.length) {
      this.fail(
        this.i,
        'the file ends too early: a value is missing, or a closing } or ] was left out.',
      );
    }
    this.offsets.set(path, this.offsets.get(path) ?? this.i);
    const ch = t[this.i];
    if (ch === '{' || ch === '[') {
      if (depth + 1 > this.maxDepth) {
        this.fail(
          this.i,
          `the data is nested more than ${this.maxDepth} levels deep ({ and [ inside one another); no Herald file needs that many.`,
          true,
        );
      }
      if (ch === '{') this.object(path, depth + 1);
      else this.array(path, depth + 1);
      return;
    }
    if (ch === '"') {
      this.string();
      return;
    }
    if (ch === '-' || isDigit(t.charCodeAt(this.i))) {
      this.number();
      return;
    }
    for (const word of ['true', 'false', 'null']) {
      if (t.startsWith(word, this.i) && !/[A-Za-z0-9_]/.test(t[this.i + word.length] ?? '')) {
        this.i += word.length;
        return;
      }
    }
    if (ch === '}' || ch === ']') {
      if (this.lastComma >= 0 && t.slice(this.lastComma + 1, this.i).trim() === '') {
        this.fail(this.lastComma, `remove this comma: JSON does not allow a comma before ${ch}.`);
      }
      this.fail(this.i, `a value is missing before ${ch}.`);
    }
    if (ch === ',') this.fail(this.i, 'a value is missing before this comma.');
    this.explainStray(
      this.i,
      'a value (text in double quotes, a number, true, false, null, { or [)',
    );
  }

  private object(path: string, depth: number): void {
    const t = this.text;
    const open = this.i;
    this.i++;
    const seen = new Map<string, number>();
    this.skipSpace();
    if (t[this.i] === '}') {
      this.i++;
      return;
    }
    for (;;) {
      this.skipSpace();
      if (this.i >= t.length) this.unclosed(open, '}');
      const ch = t[this.i];
      if (ch !== '"') {
        if (ch === '}' && seen.size > 0) {
          this.fail(
            this.lastComma,
            'remove this comma: JSON does not allow a comma after the last field.',
          );
        }
        this.explainStray(this.i, 'a field name in double quotes, like "headline"');
      }
      const keyStart = this.i;
      this.string();
      const key = JSON.parse(t.slice(keyStart, this.i)) as string;
      this.skipSpace();
      if (t[this.i] !== ':') {
        this.fail(this.i, `a colon (:) is missing after the field name "${key}".`);
      }
      this.i++;
      const path2 = childPath(path, key);
      const first = seen.get(key);
      if (first === undefined) {
        seen.set(key, keyStart);
        this.offsets.set(path2, keyStart);
      } else {
        const a = lineColumn(t, first).line;
        const b = lineColumn(t, keyStart).line;
        this.duplicates.push({
          path: path2,
          message: `"${key}" is given twice in the same object (${a === b ? `both on line ${a}` : `lines ${a} and ${b}`}); keep only one.`,
        });
      }
      this.value(path2, depth);
      const closed = this.afterItem(open, '}', (next) => {
        if (next === '"') this.missingComma('before this field name');
        this.explainStray(this.i, `a comma or } after the value of "${key}"`);
      });
      if (closed) return;
    }
  }

  private array(path: string, depth: number): void {
    const t = this.text;
    const open = this.i;
    this.i++;
    this.skipSpace();
    if (t[this.i] === ']') {
      this.i++;
      return;
    }
    for (let index = 0; ; index++) {
      this.value(childPath(path, index), depth);
      const closed = this.afterItem(open, ']', (next) => {
        if (next === '"' || next === '{' || next === '[')
          this.missingComma('between these list items');
        this.explainStray(this.i, 'a comma or ] after a list item');
      });
      if (closed) return;
    }
  }

  /**
   * After a field's value or a list item: past a comma (false: another
   * follows) or past `closer` (true: the container ends). The end of the text
   * is an unclosed container; anything else is explained by `stray`.
   */
  private afterItem(
    open: number,
    closer: '}' | ']',
    stray: (next: string | undefined) => never,
  ): boolean {
    this.skipSpace();
    const next = this.text[this.i];
    if (next === ',') {
      this.lastComma = this.i;
      this.i++;
      return false;
    }
    if (next === closer) {
      this.i++;
      return true;
    }
    if (this.i >= this.text.length) this.unclosed(open, closer);
    return stray(next);
  }

  /** Points at the end of the previous line when that is where the comma belongs. */
  private missingComma(where: string): never {
    const before = this.text.slice(0, this.i).trimEnd().length;
    const previous = lineColumn(this.text, before).line;
    const here = lineColumn(this.text, this.i).line;
    this.fail(
      this.i,
      previous < here
        ? `a comma is missing at the end of line ${previous} (${where}).`
        : `a comma is missing ${where}.`,
    );
  }

  private unclosed(open: number, closer: string): never {
    const { line, column } = lineColumn(this.text, open);
    this.fail(
      this.i,
      `the file ends before the ${closer === '}' ? '{' : '['} on line ${line}, column ${column} is closed with ${closer}.`,
    );
  }

  private string(): void {
    const t = this.text;
    const start = this.i;
    this.i++;
    for (;;) {
      if (this.i >= t.length) {
        this.fail(start, 'this text is never closed: a double quote (") is missing at its end.');
      }
      const c = t.charCodeAt(this.i);
      if (c === 0x22) {
        this.i++;
        return;
      }
      if (c === 0x5c) {
        const e = t[this.i + 1] ?? '';
        if (e !== '' && '"\\/bfnrt'.includes(e)) this.i += 2;
        else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(t.slice(this.i + 2, this.i + 6))) this.i += 6;
        else {
          this.fail(
            this.i,
            `"\\${e}" is not a valid escape in JSON text; write a backslash as \\\\ and a line break as \\n.`,
          );
        }
        continue;
      }
      if (c === 0x0a || c === 0x0d) {
        this.fail(
          this.i,
          'text in double quotes cannot run onto the next line: write a line break as \\n, or add the missing closing ".',
        );
      }
      if (c < 0x20) {
        this.fail(
          this.i,
          `text contains an invisible ${c === 0x09 ? 'tab' : 'control character'}; write a tab as \\t or remove it.`,
        );
      }
      this.i++;
    }
  }

  private number(): void {
    const t = this.text;
    const start = this.i;
    const digits = (): number => {
      const from = this.i;
      while (isDigit(t.charCodeAt(this.i))) this.i++;
      return this.i - from;
    };
    if (t[this.i] === '-') this.i++;
    if (t[this.i] === '0') {
      this.i++;
      if (/[0-9]/.test(t[this.i] ?? '')) {
        this.fail(
          start,
          'a number cannot start with 0; put codes and phone numbers in double quotes, like "0121 303 1888".',
        );
      }
    } else if (digits() === 0) {
      this.fail(start, 'a minus sign must be followed by digits.');
    }
    if (t[this.i] === '.') {
      this.i++;
      if (digits() === 0) this.fail(this.i, 'a decimal point must be followed by digits.');
    }
    if (t[this.i] === 'e' || t[this.i] === 'E') {
      this.i++;
      if (t[this.i] === '+' || t[this.i] === '-') this.i++;
      if (digits() === 0) this.fail(this.i, 'an exponent must be followed by digits.');
    }
  }
}
