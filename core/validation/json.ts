/**
 * Safe reading of a JSON document written by a person (a statement or the
 * config). Every failure becomes one plain-English Issue, never a throw:
 * size, encoding (UTF-16/32, invalid UTF-8), empty files, syntax errors with
 * line and column, absurd nesting and a root that is not an object.
 *
 * A small syntax scanner runs before JSON.parse. It bounds the nesting depth
 * (so a 100k-deep file cannot exhaust the stack), explains syntax errors far
 * better than V8's "position N" messages, and records where each field starts
 * so issues can be listed in document order. JSON.parse stays the authority
 * on values.
 */
import type { Issue } from '../types';

/** Containers (objects and lists) inside one another; a statement needs about 4. */
export const MAX_JSON_DEPTH = 32;

/**
 * Keys that mean something to JavaScript objects. JSON.parse creates them as
 * plain own properties (harmless), but a later copy or spread could turn
 * `__proto__` into a prototype change, so they are removed and reported.
 */
export const RESERVED_KEYS: ReadonlySet<string> = new Set([
  '__proto__',
  'constructor',
  'prototype',
]);

export interface ReadJsonOptions {
  /** Largest file accepted, in bytes. */
  maxBytes: number;
  /** Deepest nesting of objects and lists accepted (default MAX_JSON_DEPTH). */
  maxDepth?: number;
  /** What the file holds, for messages: "statement", "configuration". */
  noun?: string;
}

export interface JsonDocument {
  /** The parsed root object, with reserved keys removed. */
  value: Record<string, unknown>;
  /** The decoded text (without a BOM). */
  text: string;
  /** Offset in `text` where each dotted path starts (the key of a field, the first character of a list item). */
  offsets: ReadonlyMap<string, number>;
  /** Problems that do not stop validation: repeated field names and reserved keys. */
  issues: Issue[];
}

export type ReadJsonResult = { ok: true; document: JsonDocument } | { ok: false; errors: Issue[] };

const encoder = new TextEncoder();

/** The bytes of the input; strings are encoded as UTF-8 (as they would be saved). */
export function toBytes(input: Uint8Array | string): Uint8Array {
  return typeof input === 'string' ? encoder.encode(input) : input;
}

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

export function readJsonObject(
  input: Uint8Array | string,
  options: ReadJsonOptions,
): ReadJsonResult {
  const noun = options.noun ?? 'file';
  const fail = (message: string): ReadJsonResult => ({
    ok: false,
    errors: [{ path: '', message }],
  });
  const bytes = toBytes(input);

  if (bytes.length > options.maxBytes) {
    return fail(
      `The file is ${kilobytes(bytes.length)} KB; the largest ${noun} Herald accepts is ${kilobytes(options.maxBytes)} KB. Shorten it: link to long documents instead of pasting them in.`,
    );
  }
  if (bytes.length === 0) {
    return fail(`The file is empty. It must hold the ${noun} as a JSON object: { … }.`);
  }
  const wide = wideEncoding(bytes);
  if (wide) {
    return fail(
      `The file was saved as ${wide} (Notepad calls it "Unicode"); save it as UTF-8 and upload it again.`,
    );
  }

  let text: string;
  try {
    // fatal: a wrong encoding must be reported, not turned into "�" in a press email.
    // The default ignoreBOM: false strips a UTF-8 BOM.
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return fail(invalidUtf8Message(bytes));
  }

  if (text.trim() === '') {
    return fail(
      `The file holds only spaces or blank lines. It must hold the ${noun} as a JSON object: { … }.`,
    );
  }

  const scanner = new Scanner(text, options.maxDepth ?? MAX_JSON_DEPTH);
  let scanned = true;
  try {
    scanner.scanDocument();
  } catch (error) {
    if (!(error instanceof JsonSyntaxProblem)) throw error;
    // Depth is checked only by the scanner: JSON.parse must never see such a file.
    if (error.depth) return fail(positioned(text, error));
    scanned = false;
    // JSON.parse decides; the scanner only explains. If they ever disagree, trust JSON.parse.
    try {
      JSON.parse(text);
    } catch {
      return fail(positioned(text, error));
    }
  }

  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    // Only reachable if the scanner accepted what JSON.parse rejects.
    return fail(fallbackSyntaxMessage(text, error));
  }

  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail(
      `The file must hold one JSON object, starting with { and ending with }, but it holds ${describeValue(value)}.`,
    );
  }

  const issues: Issue[] = scanned ? [...scanner.duplicates] : [];
  removeReservedKeys(value, '', issues);
  return {
    ok: true,
    document: {
      value: value as Record<string, unknown>,
      text,
      offsets: scanned ? scanner.offsets : new Map(),
      issues,
    },
  };
}

function kilobytes(bytes: number): string {
  const kb = bytes / 1024;
  return Number.isInteger(kb) ? String(kb) : kb.toFixed(1);
}

/** UTF-16/UTF-32 by BOM, or by the NUL bytes an ASCII `{` gets in those encodings. */
function wideEncoding(bytes: Uint8Array): string | null {
  const [a, b, c, d] = bytes;
  if (a === 0xff && b === 0xfe && c === 0 && d === 0) return 'UTF-32';
  if (a === 0 && b === 0 && c === 0xfe && d === 0xff) return 'UTF-32';
  if ((a === 0xff && b === 0xfe) || (a === 0xfe && b === 0xff)) return 'UTF-16';
  const head = bytes.subarray(0, 4);
  if (head.includes(0)) {
    return head.length === 4 && ((a === 0 && b === 0) || (c === 0 && d === 0))
      ? 'UTF-32'
      : 'UTF-16';
  }
  let nuls = 0;
  for (const byte of bytes) if (byte === 0) nuls++;
  // Whitespace before the { can hide the pattern above; a quarter of NULs cannot be UTF-8 text.
  return nuls * 4 >= bytes.length ? 'UTF-16' : null;
}

function invalidUtf8Message(bytes: Uint8Array): string {
  const offset = invalidUtf8Offset(bytes);
  const where = offset < 0 ? '' : `${positionOfByte(bytes, offset)}: `;
  const byte =
    offset < 0
      ? ''
      : ` (byte 0x${(bytes[offset] ?? 0).toString(16).toUpperCase().padStart(2, '0')})`;
  return `${where}the file is not valid UTF-8 text${byte}. It was probably saved as "Windows-1252", "ANSI" or "Latin-1"; save it as UTF-8 and upload it again.`;
}

function positionOfByte(bytes: Uint8Array, offset: number): string {
  const prefix = new TextDecoder('utf-8').decode(bytes.subarray(0, offset));
  const { line, column } = lineColumn(prefix, prefix.length);
  return `line ${line}, column ${column}`;
}

/** Offset of the first byte that does not start a well-formed UTF-8 sequence, or -1. */
function invalidUtf8Offset(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i] ?? 0;
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      if (c === 0xe0) lo = 0xa0; // overlong
      if (c === 0xed) hi = 0x9f; // surrogates
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      if (c === 0xf0) lo = 0x90; // overlong
      if (c === 0xf4) hi = 0x8f; // above U+10FFFF
    } else return i;
    for (let k = 1; k <= need; k++) {
      const d = b[i + k];
      if (d === undefined || d < (k === 1 ? lo : 0x80) || d > (k === 1 ? hi : 0xbf)) return i;
    }
    i += need + 1;
  }
  return -1;
}

function describeValue(value: unknown): string {
  if (Array.isArray(value)) return 'a list ([ … ])';
  if (value === null) return 'null';
  if (typeof value === 'string') return 'a single piece of text';
  if (typeof value === 'number') return 'a single number';
  return `the single value ${String(value)}`;
}

function positioned(text: string, problem: JsonSyntaxProblem): string {
  const { line, column } = lineColumn(text, problem.index);
  return `line ${line}, column ${column}: ${problem.message}`;
}

function fallbackSyntaxMessage(text: string, error: unknown): string {
  const raw = error instanceof Error ? error.message : String(error);
  const match = /position (\d+)/.exec(raw);
  if (match) {
    const { line, column } = lineColumn(text, Number(match[1]));
    return `line ${line}, column ${column}: the file is not valid JSON.`;
  }
  return 'The file is not valid JSON; check it with a JSON validator or your editor.';
}

function removeReservedKeys(value: unknown, path: string, issues: Issue[]): void {
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      removeReservedKeys(item, childPath(path, index), issues);
    });
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const path2 = childPath(path, key);
    if (RESERVED_KEYS.has(key)) {
      // An own property from JSON.parse: delete removes it without touching any prototype.
      delete record[key];
      issues.push({
        path: path2,
        message: `Unknown field "${key}": it is not part of the format (and is a reserved name); remove it.`,
      });
    } else {
      removeReservedKeys(record[key], path2, issues);
    }
  }
}

/** A syntax error found by the scanner; `depth` marks the nesting limit. */
class JsonSyntaxProblem extends Error {
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
class Scanner {
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
      this.skipSpace();
      const next = t[this.i];
      if (next === ',') {
        this.lastComma = this.i;
        this.i++;
        continue;
      }
      if (next === '}') {
        this.i++;
        return;
      }
      if (this.i >= t.length) this.unclosed(open, '}');
      if (next === '"') this.missingComma('before this field name');
      this.explainStray(this.i, `a comma or } after the value of "${key}"`);
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
      this.skipSpace();
      const next = t[this.i];
      if (next === ',') {
        this.lastComma = this.i;
        this.i++;
        continue;
      }
      if (next === ']') {
        this.i++;
        return;
      }
      if (this.i >= t.length) this.unclosed(open, ']');
      if (next === '"' || next === '{' || next === '[')
        this.missingComma('between these list items');
      this.explainStray(this.i, 'a comma or ] after a list item');
    }
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
