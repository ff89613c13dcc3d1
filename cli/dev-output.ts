/**
 * What `herald dev` prints for people: the start lines, the live summary of each
 * statement (with progress bars while journalists are emailed) and the footer.
 */
import { relative } from 'node:path';
import { formatEmbargoTime } from '../core/statement/embargo';
import type { LocalStack } from '../local/stack';
import type { StatementSummary } from '../local/summary';
import { clockLine } from './demo';

export function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' ? '.' : rel.startsWith('..') ? path : rel;
}

/** What the terminal says first: which folder, what happened to the last run, where to look, what time it is. */
export function startLines(
  stack: LocalStack,
  stateDir: string,
  consoleUrl: string | undefined,
  demo: boolean,
): string {
  const lines: string[] = [];
  if (stack.staleLock) {
    lines.push(
      `A previous Herald (pid ${stack.staleLock.pid}, started ${stack.staleLock.startedAt}) had stopped without releasing ${stateDir}/; this run took it over.`,
    );
  }
  if (stack.previousRun.action === 'kept' && stack.previousRun.path) {
    lines.push(
      `Kept the previous run's outputs in ${displayPath(stack.previousRun.path)}/ (only the last run is kept; --fresh deletes them instead).`,
    );
  } else if (stack.previousRun.action === 'deleted') {
    lines.push(`Deleted the previous run's outputs in ${stateDir}/ (--fresh).`);
  }
  if (consoleUrl) {
    lines.push(`Herald local stack is running. Newsroom console: ${consoleUrl}`);
    lines.push(`(The SES emulator's own inbox is at ${stack.endpoints.inbox}.)`);
  } else {
    lines.push(
      `Herald local stack is running for this command only (outputs in ${stateDir}/; nothing is served after it ends).`,
    );
  }
  lines.push(clockLine(stack, demo));
  return `${lines.join('\n')}\n`;
}

/** On a terminal, Enter moves the clock to the next embargo lift (as the console's button does). */
export function footer(
  stack: LocalStack,
  stateDir: string,
  deadLetters: number,
  duplicates: number,
  consoleUrl: string | undefined,
): string {
  const lines = [
    '',
    ...(consoleUrl
      ? [`See every statement, audience and email in the newsroom console: ${consoleUrl}`]
      : []),
    `Everything is in ${stateDir}/: outbox/ (every email, with its headers), partners/ (what each partner got), website/hooks.jsonl, ops.jsonl.`,
  ];
  if (stack.config.approval) {
    lines.push(
      `Approval is on: each approver's proof is in the inbox and in ${stateDir}/outbox/_approvals/; approve with its links, with \`herald approve\`, or with --approve-by.`,
    );
  }
  if (deadLetters > 0) {
    lines.push(
      `${deadLetters} message(s) could not be delivered after retries: see ${stateDir}/dead-letters.jsonl.`,
    );
  }
  if (duplicates > 0)
    lines.push(`Warning: ${duplicates} email(s) reached someone twice; see ${stateDir}/outbox/.`);
  const pending = stack.scheduler.pending();
  if (pending.length > 0) {
    lines.push(
      consoleUrl
        ? `${pending.length} embargo(es) will lift at their time while this runs.`
        : `${pending.length} embargo(es) had not lifted when this run ended (--fast-forward moves the clock past them).`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** One human line per statement. */
export function describeStatement(s: StatementSummary, timeZone = 'Europe/London'): string {
  const name = s.id === null ? s.file : `${s.file} (${s.id} revision ${s.revision})`;
  switch (s.outcome) {
    case 'rejected':
      if (s.errors[0]?.path === 'approval') {
        return `✗ ${name}: ${s.errors[0].message}. Nothing was sent.`;
      }
      return [
        `✗ ${s.file}: rejected with ${plural(s.errors.length, 'problem')}; nothing was sent. The report is in rejected/ in the bucket and ops were told.`,
        ...s.errors.map((e) => `    ${e.path === '' ? '(file)' : e.path}: ${e.message}`),
      ].join('\n');
    case 'duplicate':
      return `= ${name}: already processed; nothing sent again.`;
    case 'awaiting-approval':
      return `⏸ ${name}: awaiting approval; nothing sent yet. The approvers have a proof email in the inbox.`;
    case 'superseded':
      return `- ${name}: replaced by a newer revision before it was approved; nothing of it was sent.`;
    case 'ignored':
      return `- ${s.file}: ignored (not a statement upload).`;
    case 'pending':
      return `… ${name}: still being processed.`;
    case 'failed':
      return `✗ ${s.file}: could not be processed (${s.errors[0]?.message ?? 'unknown error'}); see the dead letters.`;
    default: {
      // Nobody emailed is never a tick: the line says why (press off, no list, no topic match).
      const press =
        s.pressNote !== null
          ? `0 journalists emailed (${s.pressNote})`
          : `${plural(s.press.emailed, 'journalist')} ${s.outcome === 'withdrawn' ? 'sent the kill notice' : 'emailed'}${s.press.skipped > 0 ? `, ${s.press.skipped} skipped` : ''}${s.press.failed > 0 ? `, ${s.press.failed} failed` : ''}`;
      const partnerCounts = Object.entries(s.partners);
      const notified = partnerCounts.filter(([, n]) => n > 0).map(([p]) => p);
      const partners =
        partnerCounts.length === 0
          ? 'no partners configured'
          : notified.length === 0
            ? 'no partner matched'
            : `partners notified: ${notified.join(', ')}`;
      const release = s.release.released
        ? 'released'
        : s.release.at
          ? `embargoed: releases at ${formatEmbargoTime(new Date(s.release.at), timeZone)}`
          : s.outcome === 'withdrawn'
            ? 'nothing more will be released'
            : 'not released';
      return `${s.pressNote !== null ? '⚠' : '✓'} ${name}: ${s.outcome}; ${press}; ${partners}; ${release}.`;
    }
  }
}

/** What a release at the lift did, from what it published (never more than it did). */
export function releaseText(done: { website: boolean; partners: boolean }): string {
  const told = [done.website ? 'the website' : null, done.partners ? 'partners' : null].filter(
    (x): x is string => x !== null,
  );
  return `embargo lifted; released${told.length > 0 ? ` to ${told.join(' and ')}` : ' (public files only)'}${done.website ? '' : '; the website was not told (its channel is off for this statement)'}.`;
}

function progressBar(done: number, total: number, width = 24): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${done}/${total}`;
}

/**
 * Prints each statement's line once it has settled, then a line for each later release.
 * On a TTY, a single status line with a progress bar is redrawn while a large list sends.
 */
export class SummaryPrinter {
  private printed = new Set<number>();
  private releasedShown = new Set<number>();
  private statusShown = false;
  private lastDraw = 0;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly live: boolean,
  ) {}

  changed(stack: LocalStack): void {
    const summary = stack.summary();
    summary.statements.forEach((s, i) => {
      if (this.printed.has(i) && s.releaseDone && !this.releasedShown.has(i)) {
        this.releasedShown.add(i);
        this.clearStatus();
        this.out.write(`↳ ${s.file}: ${releaseText(s.releaseDone)}\n`);
      }
    });
    if (!this.live) return;
    const current = summary.statements.find((s, i) => !this.printed.has(i) && s.pressSelected > 20);
    const now = Date.now();
    if (!current || now - this.lastDraw < 100) return;
    this.lastDraw = now;
    this.out.write(
      `\r\x1b[K  ${current.file}: emailing ${progressBar(current.press.emailed, current.pressSelected)}`,
    );
    this.statusShown = true;
  }

  settle(stack: LocalStack): void {
    const timeZone = stack.config.timezone;
    this.clearStatus();
    stack.summary().statements.forEach((s, i) => {
      if (this.printed.has(i)) return;
      this.printed.add(i);
      if (s.release.released) this.releasedShown.add(i);
      this.out.write(`${describeStatement(s, timeZone)}\n`);
    });
  }

  private clearStatus(): void {
    if (!this.statusShown) return;
    this.out.write('\r\x1b[K');
    this.statusShown = false;
  }
}
