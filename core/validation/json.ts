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
import { childPath, JsonSyntaxProblem, lineColumn, Scanner } from './json-scanner';

export { childPath, lineColumn };

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
