/**
 * The text and HTML parts of an email, quoted-printable encoded once per
 * rendered email, so each journalist's message encodes only the lines that hold
 * a slot (the greeting, the unsubscribe link) and splices them between lines
 * encoded earlier.
 *
 * Why this is hand-written: nodemailer cannot reuse an encoded body. Its
 * MailComposer scans and encodes the whole 25 KB HTML again for every
 * recipient, which was most of the per-recipient cost. Only the splice is ours:
 * the encoding is nodemailer's own (`qp.encode`, `qp.wrap`) and the headers are
 * MailComposer's (see index.ts). A property test checks that the result is, byte
 * for byte, the message MailComposer builds for the same recipient.
 *
 * Why encoding line by line gives the same bytes: the bodies use CRLF line
 * breaks (MIME's canonical form for text, RFC 2046 §4.1.1). nodemailer's QP
 * `wrap` starts a new line after every CRLF, and `encode` looks ahead only to see
 * whether whitespace ends a line. So a line encodes the same on its own as inside
 * the whole body. (With bare LF breaks, which nodemailer passes through as they
 * are, the soft breaks run across lines and one name's length would shift every
 * soft break after it.)
 */
import { foldLines } from 'nodemailer/lib/mime-funcs';
import MimeNode, { type MimeNodeHeaderValue } from 'nodemailer/lib/mime-node';
import { encode, wrap } from 'nodemailer/lib/qp';
import { fillSlots, type SlotValues } from '../render/slots';
import type { SlotName, SlottedText } from '../types';

/** nodemailer's QP line length (76, RFC 2045 §6.7). */
const QP_LINE_LENGTH = 76;
const CRLF = '\r\n';
const LEADING_BREAKS = /^(?:\r\n)+/;

/** Lines holding slots, filled and encoded per recipient. `parts`/`slots` as in SlottedText. */
export interface Span extends SlottedText {
  /** Drop the line breaks this span starts with (it starts the body). */
  readonly stripLeadingBreaks: boolean;
}

/**
 * Lines without slots, QP-encoded and soft-wrapped once. The encoded text itself
 * is not kept (only its length, which decides how the body's end is wrapped):
 * this is what ingest stores, so it holds each line once.
 * `Bytes` is Buffer in memory and a latin1 string when stored as JSON (quoted-
 * printable is ASCII, so the string is exact).
 */
interface Encoded<Bytes = Buffer> {
  /** Length of the QP text before wrapping (for the body's last piece, without the blanks it ends with). */
  readonly length: number;
  /** Soft-wrapped, for a piece that is not the body's last. */
  readonly wrapped: Bytes;
  /** For the body's last piece: endOfBody with `long` false, then true. */
  readonly ends: readonly [Bytes, Bytes] | null;
}

/** A body in order: lines already encoded, and spans to fill and encode per recipient. */
export interface EncodedBody<Bytes = Buffer> {
  readonly pieces: ReadonlyArray<Encoded<Bytes> | Span>;
  /** The body can be empty for some recipient (MailComposer then leaves the part out). */
  readonly mayBeEmpty: boolean;
}

/** Every line break as CRLF. Applied to each part on its own, so a slot never joins a CR to an LF. */
export function canonicalParts(slotted: SlottedText): SlottedText {
  return {
    parts: slotted.parts.map((part) => part.replace(/\r\n|\r|\n/g, CRLF)),
    slots: [...slotted.slots],
  };
}

/**
 * The body MailComposer is given for one recipient: canonical parts with the
 * slots filled, and, for the text part, without leading blank lines (a missing
 * greeting must not open the email with empty lines).
 */
export function fillBody(
  canonical: SlottedText,
  values: SlotValues,
  escapeValue: ((value: string) => string) | undefined,
  stripLeadingBreaks: boolean,
): string {
  const filled = fillSlots(canonical, values, escapeValue);
  return stripLeadingBreaks ? filled.replace(LEADING_BREAKS, '') : filled;
}

const TRAILING_BLANKS = /[ \t]+$/;

/** QP-encoded, with the blanks (space, tab) the text ends with encoded apart. */
function encodeSplit(text: string): { text: string; blanks: string } {
  const blanks = TRAILING_BLANKS.exec(text)?.[0] ?? '';
  return { text: encode(text.slice(0, text.length - blanks.length)), blanks: encode(blanks) };
}

function encoded(text: string, last: boolean): Encoded {
  const split = last ? encodeSplit(text) : { text: encode(text), blanks: '' };
  return {
    length: split.text.length,
    wrapped: Buffer.from(wrap(split.text, QP_LINE_LENGTH), 'latin1'),
    ends: last ? [endOfBody(split, false), endOfBody(split, true)] : null,
  };
}

const PADDING = `${'.'.repeat(QP_LINE_LENGTH - 2)}${CRLF}`;

/**
 * The body's last piece, soft-wrapped as nodemailer's streaming QP encoder
 * wraps the end of a body. Two rules of its own apply there:
 * - `wrap` returns a string of at most 76 characters as it is, but wraps the
 *   same characters when they end a longer string (a line over 51 characters
 *   is broken at its last space). `long` says the body (without the blanks it
 *   ends with) is longer, so the piece is wrapped behind a line of padding
 *   that is then dropped.
 * - The encoder holds back the blanks a body ends with and wraps them with the
 *   last output line in a separate `wrap` call, so that line gets the short
 *   string rule again.
 */
function endOfBody(piece: { text: string; blanks: string }, long: boolean): Buffer {
  let out = long
    ? wrap(PADDING + piece.text, QP_LINE_LENGTH).slice(PADDING.length)
    : wrap(piece.text, QP_LINE_LENGTH);
  if (piece.blanks !== '') {
    const lastLine = out.lastIndexOf('\n') + 1;
    out = out.slice(0, lastLine) + wrap(out.slice(lastLine) + piece.blanks, QP_LINE_LENGTH);
  }
  return Buffer.from(out, 'latin1');
}

/** Encodes the lines without slots once; see the module comment for why lines are independent. */
export function prepareBody(canonical: SlottedText, stripLeadingBreaks: boolean): EncodedBody {
  const parts = [...canonical.parts];
  const slots = canonical.slots;
  let whole = parts.join('');
  // Where each slot sits in `whole`.
  const offsets: number[] = [];
  let at = 0;
  for (let i = 0; i < slots.length; i++) {
    at += (parts[i] ?? '').length;
    offsets.push(at);
  }
  // The line around position x: after the last CRLF that ends at or before x, through the next CRLF.
  const lineStart = (x: number) => {
    const i = x < 2 ? -1 : whole.lastIndexOf(CRLF, x - 2);
    return i === -1 ? 0 : i + 2;
  };
  const lineEnd = (x: number) => {
    const i = whole.indexOf(CRLF, x);
    return i === -1 ? whole.length : i + 2;
  };

  const spans: Array<{ start: number; end: number }> = [];
  let firstSpanStrips = false;
  if (stripLeadingBreaks) {
    const leading = LEADING_BREAKS.exec(whole)?.[0].length ?? 0;
    const firstSlot = offsets[0];
    if (firstSlot === undefined || leading < firstSlot) {
      // The blank lines end before the first slot: the same for every recipient.
      parts[0] = (parts[0] ?? '').slice(leading);
      for (let i = 0; i < offsets.length; i++) offsets[i] = (offsets[i] ?? 0) - leading;
      whole = whole.slice(leading);
    } else {
      // They run up to a slot: an empty value lets the stripping go on, so it is per recipient.
      spans.push({ start: 0, end: lineEnd(leading) });
      firstSpanStrips = true;
    }
  }
  for (const offset of offsets) spans.push({ start: lineStart(offset), end: lineEnd(offset) });

  // Merge overlapping and touching spans (offsets only grow, so spans arrive in order).
  const merged: Array<{ start: number; end: number }> = [];
  for (const span of spans) {
    const last = merged[merged.length - 1];
    if (last && span.start <= last.end) last.end = Math.max(last.end, span.end);
    else merged.push({ ...span });
  }

  const pieces: Array<Encoded | Span> = [];
  let pos = 0;
  let slot = 0;
  for (const [index, span] of merged.entries()) {
    if (span.start > pos) pieces.push(encoded(whole.slice(pos, span.start), false));
    const spanParts: string[] = [];
    const spanSlots: SlotName[] = [];
    let from = span.start;
    while (slot < slots.length && (offsets[slot] ?? 0) <= span.end) {
      const offset = offsets[slot] ?? 0;
      spanParts.push(whole.slice(from, offset));
      spanSlots.push(slots[slot] as SlotName);
      from = offset;
      slot++;
    }
    spanParts.push(whole.slice(from, span.end));
    pieces.push({
      parts: spanParts,
      slots: spanSlots,
      stripLeadingBreaks: index === 0 && firstSpanStrips,
    });
    pos = span.end;
  }
  if (pos < whole.length) pieces.push(encoded(whole.slice(pos), true));
  // Empty only if nothing static is left and every span can fill to nothing.
  // (A last piece of blanks alone has length 0 but a non-empty end.)
  const mayBeEmpty = pieces.every(
    (p) => isSpan(p) || (p.wrapped.length === 0 && (p.ends?.[0].length ?? 0) === 0),
  );
  return { pieces, mayBeEmpty };
}

const isSpan = <Bytes>(piece: Encoded<Bytes> | Span): piece is Span => 'slots' in piece;

/** An EncodedBody as JSON holds it (what ingest stores so send need not encode). */
export type StoredBody = EncodedBody<string>;

export const storeBody = (body: EncodedBody): StoredBody =>
  convertBytes(body, (bytes) => bytes.toString('latin1'));

export const restoreBody = (stored: StoredBody): EncodedBody =>
  convertBytes(stored, (bytes) => Buffer.from(bytes, 'latin1'));

function convertBytes<From, To>(
  body: EncodedBody<From>,
  convert: (bytes: From) => To,
): EncodedBody<To> {
  return {
    pieces: body.pieces.map((piece) =>
      isSpan(piece)
        ? piece
        : {
            length: piece.length,
            wrapped: convert(piece.wrapped),
            ends: piece.ends ? [convert(piece.ends[0]), convert(piece.ends[1])] : null,
          },
    ),
    mayBeEmpty: body.mayBeEmpty,
  };
}

/** QP length before wrapping: kept for an encoded piece, measured for one encoded just now. */
const lengthOf = (piece: Encoded | { text: string }): number =>
  'wrapped' in piece ? piece.length : piece.text.length;

/** This recipient's encoded body: the encoded lines with the spans filled and encoded in between. */
export function encodeBody(
  body: EncodedBody,
  values: SlotValues,
  escapeValue: ((value: string) => string) | undefined,
): Buffer[] {
  const last = body.pieces.length - 1;
  // Spans first: how the end of the body is wrapped depends on the length of all of it.
  const pieces = body.pieces.map((piece, i) => {
    if (!isSpan(piece)) return piece;
    const text = fillBody(piece, values, escapeValue, piece.stripLeadingBreaks);
    return i === last ? encodeSplit(text) : { text: encode(text), blanks: '' };
  });
  const long = pieces.reduce((length, piece) => length + lengthOf(piece), 0) > QP_LINE_LENGTH;
  return pieces.map((piece, i) => {
    if ('wrapped' in piece)
      return (i === last ? piece.ends?.[long ? 1 : 0] : null) ?? piece.wrapped;
    return i === last
      ? endOfBody(piece, long)
      : Buffer.from(wrap(piece.text, QP_LINE_LENGTH), 'latin1');
  });
}

/** Root header fields that differ per recipient; every other header is the same for a revision. */
export type RecipientField = 'List-Unsubscribe' | 'To' | 'Message-ID' | 'Date';
const RECIPIENT_FIELDS: ReadonlySet<string> = new Set<RecipientField>([
  'List-Unsubscribe',
  'To',
  'Message-ID',
  'Date',
]);
const isRecipientField = (name: string): name is RecipientField => RECIPIENT_FIELDS.has(name);

/**
 * The header blocks MailComposer wrote for one sender and revision, with the
 * per-recipient fields cut out. The boundary is the template's, so it is the
 * same for every message built from it (random per revision and container).
 */
export interface HeaderTemplate {
  readonly root: ReadonlyArray<string | RecipientField>;
  readonly boundary: string;
  readonly textHeaders: string;
  readonly htmlHeaders: string;
}

/**
 * Cuts a compiled MailComposer message (root multipart/alternative, text and
 * HTML children) into a template. Returns null if it does not have that shape.
 */
export function headerTemplate(root: MimeNode): HeaderTemplate | null {
  const [text, html] = root.childNodes;
  const block = root.buildHeaders();
  if (typeof root.boundary !== 'string' || !text || !html || root.childNodes.length !== 2) {
    return null;
  }
  // Header fields: a line that does not start with whitespace starts one (RFC 5322 folding).
  const fields = block.split(/\r\n(?![ \t])/);
  const pieces: Array<string | RecipientField> = [];
  let seen = 0;
  for (const [i, field] of fields.entries()) {
    const name = field.slice(0, field.indexOf(':'));
    const separator = i < fields.length - 1 ? CRLF : '';
    if (isRecipientField(name)) {
      pieces.push(name, separator);
      seen++;
    } else {
      pieces.push(field + separator);
    }
  }
  if (seen !== RECIPIENT_FIELDS.size) return null;
  return {
    root: pieces,
    boundary: root.boundary,
    textHeaders: text.buildHeaders(),
    htmlHeaders: html.buildHeaders(),
  };
}

/** A node only for encodeHeaderValue (a MimeNode costs a randomBytes call to make). */
let encoder: MimeNode | null = null;

/**
 * One recipient's root header block: each per-recipient field encoded as
 * MimeNode#buildHeaders encodes it (encodeHeaderValue, then folded at 76).
 */
export function buildHeaderBlock(
  template: HeaderTemplate,
  values: Readonly<Record<RecipientField, MimeNodeHeaderValue>>,
): string {
  encoder ??= new MimeNode();
  let out = '';
  for (const piece of template.root) {
    out += isRecipientField(piece)
      ? foldLines(`${piece}: ${encoder.encodeHeaderValue(piece, values[piece])}`, 76)
      : piece;
  }
  return out;
}
