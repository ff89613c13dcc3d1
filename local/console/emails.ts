/**
 * The emails as they went out: each `.eml` in the outbox parsed with mailparser (the
 * message is read, never rebuilt), and the previews the console shows of it.
 */
import { readFile } from 'node:fs/promises';
import type { AddressObject } from 'mailparser';

export interface EmailAsSent {
  subject: string;
  from: string;
  to: string;
  /** ISO UTC, from the Date header. */
  date: string | null;
  html: string | null;
  text: string | null;
  raw: Buffer;
}

function addresses(value: AddressObject | AddressObject[] | undefined): string {
  if (!value) return '';
  return (Array.isArray(value) ? value : [value]).map((a) => a.text).join(', ');
}

/** Parses one raw message (mailparser is loaded only when the console shows an email). */
export async function parseEmail(raw: Buffer): Promise<EmailAsSent> {
  const { simpleParser } = await import('mailparser');
  const mail = await simpleParser(raw);
  return {
    subject: mail.subject ?? '',
    from: addresses(mail.from),
    to: addresses(mail.to),
    date: mail.date ? mail.date.toISOString() : null,
    html: typeof mail.html === 'string' ? mail.html : null,
    text: mail.text ?? null,
    raw,
  };
}

export async function readEmail(path: string): Promise<EmailAsSent> {
  return parseEmail(await readFile(path));
}

export type ColourScheme = 'light' | 'dark';

/**
 * The email HTML as a client in that colour scheme shows it. A frame follows the
 * browser's own preference, so for the dark preview the email's
 * `prefers-color-scheme: dark` rules are made unconditional: what Apple Mail, iOS Mail,
 * Outlook for Mac and Thunderbird show in dark mode. (Gmail's and Outlook's own forced
 * dark is a recolouring no page can reproduce exactly; the browser tests check it with
 * Chromium's auto-dark.)
 */
export function emailForScheme(html: string, scheme: ColourScheme): string {
  if (scheme === 'light') return html;
  return html.replace(/@media\s*\(\s*prefers-color-scheme\s*:\s*dark\s*\)/g, '@media all');
}

/** Headers that keep a previewed email inert: no scripts, no requests, no navigation. */
export const EMAIL_FRAME_HEADERS = {
  'content-security-policy':
    "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
} as const;
