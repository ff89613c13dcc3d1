/**
 * The press list (`lists/press.csv`, docs/deploy.md): `email,name,outlet,topics`.
 *
 * Parsed as a stream with csv-parse so a 50,000-row list never sits in memory
 * as text; only the selected recipients are kept. Every row that cannot be used
 * comes back as a problem with its line number: an operator must see it, a
 * journalist must not silently stop receiving statements.
 */
import { Readable } from 'node:stream';
import { type CsvError, parse } from 'csv-parse';
import { emailAddress } from '../statement/primitives';
import type { Recipient } from '../types';
import { normaliseEmail } from './address';

export { maskEmail, normaliseEmail } from './address';

export const PRESS_LIST_COLUMNS = ['email', 'name', 'outlet', 'topics'] as const;
type Column = (typeof PRESS_LIST_COLUMNS)[number];

/** Longest name or outlet we accept: they go into the To header. */
const MAX_TEXT = 200;
const LINE_BREAK = /\r\n|\r|\n/g;
const HEADER_UNSAFE = /[\r\n\0]/;

export interface PressListRow {
  kind: 'row';
  /** 1-based line where the row starts. */
  line: number;
  /** As written (trimmed); compare with `normaliseEmail`. */
  email: string;
  name: string | null;
  outlet: string | null;
  /** Lower-case slugs; empty means every topic. */
  topics: string[];
}

export interface PressListProblem {
  kind: 'problem';
  line: number;
  message: string;
  /**
   * `fatal`: the list as a whole is unreadable (no header, empty file): nobody was read.
   * `error`: this row was not used. `note`: worth knowing, nothing lost (e.g. a repeated address).
   */
  severity: 'fatal' | 'error' | 'note';
}

export type PressListEntry = PressListRow | PressListProblem;

export type PressListSource = AsyncIterable<Uint8Array | string> | Readable;

const emailSchema = emailAddress('The email address');

function error(line: number, message: string): PressListProblem {
  return { kind: 'problem', line, message, severity: 'error' };
}

function parseTopics(value: string): string[] {
  const topics = value
    .split(';')
    .map((t) => t.trim().toLowerCase())
    .filter((t) => t.length > 0);
  return [...new Set(topics)];
}

type HeaderResult =
  | { ok: true; index: Map<Column, number>; notes: string[] }
  | { ok: false; message: string };

function readHeader(record: string[]): HeaderResult {
  const index = new Map<Column, number>();
  const notes: string[] = [];
  for (const [i, raw] of record.entries()) {
    const name = raw.trim().toLowerCase();
    const column = PRESS_LIST_COLUMNS.find((c) => c === name);
    if (column === undefined) {
      // An extra column (say "notes") is harmless: ignore it, but say so.
      notes.push(`Column ${i + 1} ("${raw.trim()}") is not one Herald reads; it is ignored.`);
    } else if (index.has(column)) {
      return { ok: false, message: `The header row has the column "${column}" twice.` };
    } else {
      index.set(column, i);
    }
  }
  if (!index.has('email')) {
    return {
      ok: false,
      message: `The first line must be the header row "${PRESS_LIST_COLUMNS.join(',')}"; it has no "email" column, so no row could be read.`,
    };
  }
  return { ok: true, index, notes };
}

function readRow(
  record: string[],
  line: number,
  header: Map<Column, number>,
  width: number,
): PressListRow | PressListProblem {
  if (record.length !== width) {
    return error(
      line,
      `This row has ${record.length} columns but the header has ${width}. Check for a missing or unquoted comma.`,
    );
  }
  const field = (column: Column): string => {
    const i = header.get(column);
    return i === undefined ? '' : (record[i] ?? '').trim();
  };
  const email = field('email');
  if (email === '') return error(line, 'This row has no email address.');
  const parsed = emailSchema.safeParse(email);
  if (!parsed.success) {
    return error(line, parsed.error.issues[0]?.message ?? 'The email address is not valid.');
  }
  const text: Record<'name' | 'outlet', string | null> = { name: null, outlet: null };
  for (const column of ['name', 'outlet'] as const) {
    const value = field(column);
    if (HEADER_UNSAFE.test(value)) {
      return error(line, `The ${column} contains a line break; it must be on one line.`);
    }
    if (value.length > MAX_TEXT) {
      return error(line, `The ${column} is longer than ${MAX_TEXT} characters.`);
    }
    text[column] = value === '' ? null : value;
  }
  return {
    kind: 'row',
    line,
    email: parsed.data,
    name: text.name,
    outlet: text.outlet,
    topics: parseTopics(field('topics')),
  };
}

function describeCsvError(err: CsvError | undefined): string {
  if (err?.code === 'CSV_QUOTE_NOT_CLOSED') {
    return 'A quoted field is never closed (a " is missing); the rest of the file could not be read.';
  }
  return `This row could not be read as CSV${err ? ` (${err.code})` : ''}. Check its quotes.`;
}

/**
 * Streams the press list: each usable row, and a problem for every row that is
 * not (wrong column count, missing or invalid email, a line break in a name…).
 * The same address twice (any case) keeps the first row and reports a note.
 */
export async function* readPressList(source: PressListSource): AsyncGenerator<PressListEntry> {
  const pending: PressListProblem[] = [];
  let lastLine = 0;
  const parser = parse({
    bom: true,
    // Spreadsheet exports mix line endings; auto-detection would lock onto the first one.
    record_delimiter: ['\r\n', '\n', '\r'],
    relax_column_count: true,
    // `"bad"x` becomes a field we then reject as an address, instead of derailing the parser.
    relax_quotes: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    on_skip: (err) => {
      pending.push(error(lastLine + 1, describeCsvError(err)));
      return undefined;
    },
    info: true,
  });
  const input = source instanceof Readable ? source : Readable.from(source);
  input.on('error', (err) => parser.destroy(err));
  input.pipe(parser);

  let header: Map<Column, number> | null = null;
  let width = 0;
  const seen = new Set<string>();
  try {
    for await (const chunk of parser as AsyncIterable<{
      record: string[];
      info: { lines: number };
    }>) {
      yield* pending.splice(0);
      const { record, info } = chunk;
      // info.lines is where the record ends; quoted line breaks inside it move the start up.
      const breaks = record.reduce((n, f) => n + (f.match(LINE_BREAK)?.length ?? 0), 0);
      const line = info.lines - breaks;
      lastLine = info.lines;
      if (header === null) {
        const result = readHeader(record);
        if (!result.ok) {
          yield { ...error(line, result.message), severity: 'fatal' };
          return;
        }
        header = result.index;
        width = record.length;
        for (const message of result.notes)
          yield { kind: 'problem', line, message, severity: 'note' };
        continue;
      }
      if (record.every((f) => f.trim() === '')) continue;
      const entry = readRow(record, line, header, width);
      if (entry.kind === 'row') {
        const key = normaliseEmail(entry.email);
        if (seen.has(key)) {
          yield {
            kind: 'problem',
            line,
            message: `${entry.email} is already on the list above; this row is ignored (the first one wins).`,
            severity: 'note',
          };
          continue;
        }
        seen.add(key);
      }
      yield entry;
    }
    yield* pending.splice(0);
    if (header === null) {
      yield {
        ...error(1, 'The press list is empty: it needs a header row and one row per journalist.'),
        severity: 'fatal',
      };
    }
  } finally {
    // Stop reading the source when the consumer stops early.
    input.unpipe(parser);
    input.destroy();
    parser.destroy();
  }
}

/** A journalist gets a statement when either side has no topics or they share one. */
export function matchesTopics(
  rowTopics: readonly string[],
  statementTopics: readonly string[],
): boolean {
  if (statementTopics.length === 0 || rowTopics.length === 0) return true;
  const wanted = new Set(statementTopics.map((t) => t.toLowerCase()));
  return rowTopics.some((t) => wanted.has(t));
}

export function toRecipient(row: PressListRow): Recipient {
  return {
    email: row.email,
    ...(row.name === null ? {} : { name: row.name }),
    ...(row.outlet === null ? {} : { outlet: row.outlet }),
  };
}

/**
 * Who gets a correction or withdrawal, one recipient at a time (dispatch
 * streams the press list through it). A correction goes to everyone who
 * received an earlier revision (they hold the wrong text) plus whoever matches
 * now; a withdrawal goes only to those who received it. `previous` are
 * addresses from the send ledger; press-list details are used where known.
 *
 * Feed every matching recipient, in list order, to `admit` (true: send to
 * them), then call `rest` once for the earlier recipients the list did not
 * cover. Memory is the earlier-recipients set plus the addresses admitted.
 */
export class CorrectionAudience {
  /** Earlier recipients not yet covered, by normalised address (first spelling wins). */
  private readonly remaining = new Map<string, string>();
  private readonly received: ReadonlySet<string>;
  private readonly seen = new Set<string>();

  constructor(
    previous: readonly string[],
    private readonly options: { withdrawal?: boolean } = {},
  ) {
    this.received = new Set(previous.map(normaliseEmail));
    for (const email of previous) {
      const key = normaliseEmail(email);
      if (key !== '' && !this.remaining.has(key)) this.remaining.set(key, email.trim());
    }
  }

  /** Whether this address was sent an earlier revision. */
  holds(recipient: Recipient): boolean {
    return this.received.has(normaliseEmail(recipient.email));
  }

  admit(recipient: Recipient): boolean {
    const key = normaliseEmail(recipient.email);
    if (this.seen.has(key) || (this.options.withdrawal === true && !this.received.has(key))) {
      return false;
    }
    this.seen.add(key);
    this.remaining.delete(key);
    return true;
  }

  /** The earlier recipients no admitted row covered, as bare addresses. */
  rest(): Recipient[] {
    return [...this.remaining.values()].map((email) => ({ email }));
  }
}
