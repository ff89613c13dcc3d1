/**
 * The outbox: aws-ses-v2-local keeps no custom headers (List-Unsubscribe, the statement
 * header), so SDK middleware on the SESClient the send handler gets writes every raw
 * message SES accepted to `<stateDir>/outbox/<id>/<revision>/<recipient>.eml`.
 *
 * A second message to the same recipient for the same revision is kept as
 * `<recipient>~2.eml` (and counted), so a duplicate can never hide by overwriting.
 *
 * Approval mail (proofs and notices, header `X-Herald-Approval`) goes to
 * `<stateDir>/outbox/_approvals/<id>/<revision>/<recipient>.<kind>.eml` (no statement id
 * has an underscore), so the journalists' folders hold journalists' emails only.
 *
 * The same middleware injects send faults for tests (`failNext`): the fault is thrown
 * before the request leaves, like a network error or an SES 5xx.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SESClient } from '@aws-sdk/client-ses';
import {
  APPROVAL_HEADER,
  type ApprovalMailKind,
  parseApprovalHeader,
} from '../core/approval/proof';
import { InjectedFaultError } from './errors';

/** The outbox folder of approval mail. */
export const APPROVALS_FOLDER = '_approvals';

export interface ApprovalMailEntry {
  id: string;
  revision: number;
  recipient: string;
  kind: ApprovalMailKind;
  path: string;
}

export const STATEMENT_HEADER = 'x-herald-statement';

export interface OutboxEntry {
  id: string;
  revision: number;
  recipient: string;
  path: string;
  /** 1 for the first copy; > 1 means a duplicate reached this recipient. */
  copy: number;
}

interface Fault {
  recipient?: string;
  remaining: number;
  errorName: string;
}

/** Unfolded header lines of a raw message (up to the first blank line). */
export function headerLines(raw: string): string[] {
  const end = raw.search(/\r?\n\r?\n/);
  const head = end === -1 ? raw : raw.slice(0, end);
  return head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/);
}

export function headerValue(raw: string, name: string): string | undefined {
  const prefix = `${name.toLowerCase()}:`;
  const line = headerLines(raw).find((l) => l.toLowerCase().startsWith(prefix));
  return line?.slice(prefix.length).trim();
}

/** The bare address of the first mailbox in a To header. */
export function firstAddress(value: string): string | undefined {
  const angle = /<([^<>\s]+@[^<>\s]+)>/.exec(value);
  if (angle?.[1]) return angle[1].toLowerCase();
  const bare = /([^\s<>,;"]+@[^\s<>,;"]+)/.exec(value);
  return bare?.[1]?.toLowerCase();
}

/**
 * Statement id and revision from the header the MIME builder adds. Accepts
 * `id; revision=2`, `id#2`, `id r2`, `id/2` and JSON `{"id":…,"revision":…}`.
 */
export function parseStatementHeader(value: string): { id: string; revision: number } | undefined {
  try {
    const parsed: unknown = JSON.parse(value);
    if (typeof parsed === 'object' && parsed !== null && 'id' in parsed && 'revision' in parsed) {
      const { id, revision } = parsed;
      if (typeof id === 'string' && typeof revision === 'number') return { id, revision };
    }
  } catch {
    // Not JSON: one of the text forms below.
  }
  const match =
    /^\s*([a-z0-9][a-z0-9-]{2,63})\s*(?:[#;/,:@]\s*)?(?:r(?:ev(?:ision)?)?\s*[=:]?\s*)?(\d+)\s*;?\s*$/i.exec(
      value,
    );
  if (!match?.[1] || !match[2]) return undefined;
  return { id: match[1], revision: Number(match[2]) };
}

function safeName(recipient: string): string {
  return recipient.replace(/[^a-z0-9@._+-]/gi, '_');
}

export class Outbox {
  readonly entries: OutboxEntry[] = [];
  /** Proofs and approval notices, in the order SES accepted them. */
  readonly approvalMail: ApprovalMailEntry[] = [];
  private readonly faults: Fault[] = [];
  private readonly unrecognised: string[] = [];

  constructor(readonly directory: string) {}

  /** Makes the next `times` SendRawEmail calls (to `recipient`, if given) throw before reaching SES. */
  failNext(options: { recipient?: string; times?: number; errorName?: string } = {}): void {
    this.faults.push({
      ...(options.recipient === undefined ? {} : { recipient: options.recipient.toLowerCase() }),
      remaining: options.times ?? 1,
      errorName: options.errorName ?? 'ServiceUnavailable',
    });
  }

  /** Adds the outbox middleware to `client` (the client handed to the send handler). */
  attach(client: SESClient): void {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== 'SendRawEmailCommand') return next(args);
        const input = args.input;
        const data = 'RawMessage' in input ? input.RawMessage?.Data : undefined;
        if (!data) return next(args);
        const raw = Buffer.from(data).toString('utf8');
        const recipient = firstAddress(headerValue(raw, 'to') ?? '') ?? 'unknown-recipient';
        this.injectFault(recipient);
        const result = await next(args);
        await this.write(raw, recipient);
        return result;
      },
      { step: 'initialize', name: 'heraldLocalOutbox', override: true },
    );
  }

  /** Raw messages whose statement header could not be read (written under `outbox/unknown/`). */
  get unrecognisedCount(): number {
    return this.unrecognised.length;
  }

  count(id: string, revision: number): number {
    return new Set(
      this.entries.filter((e) => e.id === id && e.revision === revision).map((e) => e.recipient),
    ).size;
  }

  duplicates(): OutboxEntry[] {
    return this.entries.filter((e) => e.copy > 1);
  }

  private injectFault(recipient: string): void {
    const fault = this.faults.find(
      (f) => f.remaining > 0 && (f.recipient === undefined || f.recipient === recipient),
    );
    if (!fault) return;
    fault.remaining -= 1;
    const error = new InjectedFaultError(`Injected SES failure for ${recipient}.`);
    error.name = fault.errorName;
    throw error;
  }

  /** The proof an approver got for a revision (the last one, if sent twice). */
  proofFor(id: string, revision: number, approver: string): ApprovalMailEntry | undefined {
    return this.approvalMail.findLast(
      (m) =>
        m.kind === 'proof' &&
        m.id === id &&
        m.revision === revision &&
        m.recipient === approver.toLowerCase(),
    );
  }

  private async write(raw: string, recipient: string): Promise<void> {
    const approval = parseApprovalHeader(headerValue(raw, APPROVAL_HEADER) ?? '');
    if (approval) {
      const folder = join(this.directory, APPROVALS_FOLDER, approval.id, String(approval.revision));
      await mkdir(folder, { recursive: true });
      const path = await this.writeNew(folder, `${safeName(recipient)}.${approval.kind}`, raw);
      this.approvalMail.push({ ...approval, recipient, path });
      return;
    }
    const header = headerValue(raw, STATEMENT_HEADER);
    const statement = header === undefined ? undefined : parseStatementHeader(header);
    const folder = statement
      ? join(this.directory, statement.id, String(statement.revision))
      : join(this.directory, 'unknown');
    if (!statement) this.unrecognised.push(recipient);
    await mkdir(folder, { recursive: true });
    const path = await this.writeNew(folder, safeName(recipient), raw);
    const copy = /~(\d+)\.eml$/.exec(path)?.[1];
    if (statement) {
      this.entries.push({
        ...statement,
        recipient,
        path,
        copy: copy === undefined ? 1 : Number(copy),
      });
    }
  }

  /** Exclusive create: concurrent copies for one recipient get distinct names (`~2`, `~3`…). */
  private async writeNew(folder: string, base: string, raw: string): Promise<string> {
    let copy = 1;
    let path = join(folder, `${base}.eml`);
    for (;;) {
      try {
        await writeFile(path, raw, { encoding: 'utf8', flag: 'wx' });
        return path;
      } catch (error) {
        if (!(error instanceof Error && 'code' in error && error.code === 'EEXIST')) throw error;
        copy += 1;
        path = join(folder, `${base}~${copy}.eml`);
      }
    }
  }
}
