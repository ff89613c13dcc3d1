/**
 * `herald dev` (= `npm start`): the whole pipeline on this machine (local/stack.ts).
 *
 * Interactive: starts the stack on fixed ports with the newsroom console
 * (local/console/), uploads the example statements in order (on the demo clock: see
 * cli/demo.ts), shows what happened to each, then watches `dropbox/` until Ctrl-C.
 * `--once`: processes only the given files, waits until all immediate work is done, prints
 * the outcome (`--json` for machines) and exits 0, even when files were rejected; non-zero
 * only when the run itself failed.
 *
 * The state folder is locked while a stack runs (local/state-lock.ts): a second start
 * against it stops before changing anything. A previous run's outputs are kept in
 * `previous-run/` unless `--fresh` says to delete them.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { loadConfigFile } from '../core/config/load';
import { ConfigError } from '../core/errors';
import { validateFilterPolicy } from '../core/filter-policy';
import { formatInstant } from '../core/status/time';
import type { Issue } from '../core/types';
import { approvePending } from '../local/approve-by';
import { frozenClock, runningClock } from '../local/clock';
import { attachConsole } from '../local/console';
import { watchDropbox } from '../local/dropbox';
import { DEFAULT_PORTS, type PortName } from '../local/emulators';
import { type LocalStack, startLocalStack } from '../local/stack';
import { toJsonReport } from '../local/summary';
import { clockLine, DEMO_START, moveToNextLift, nextLift } from './demo';
import { displayPath, footer, SummaryPrinter, startLines } from './dev-output';
import { describeError, UsageError } from './output';

interface DevOptions {
  once?: boolean;
  json?: boolean;
  config: string;
  pressList: string;
  stateDir?: string;
  fresh?: boolean;
  now?: string;
  fastForward?: boolean;
  dropbox: string;
  s3Port?: number;
  sesPort?: number;
  dynamodbPort?: number;
  httpPort?: number;
  approveBy?: string;
}

const EXAMPLES_DIR = 'examples/statements';

function parsePort(flag: string): (value: string) => number {
  return (value) => {
    const port = Number(value);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new UsageError(`${flag} must be a port number between 0 and 65535, not "${value}".`);
    }
    return port;
  };
}

export function registerDevCommand(program: Command): void {
  program
    .command('dev')
    .description(
      'Run the whole pipeline on this machine (local S3, SES and DynamoDB emulators; no AWS account). ' +
        'Without --once: send the example statements, then watch dropbox/ until Ctrl-C.',
    )
    .argument(
      '[files...]',
      'statement files to process (with --once: only these; otherwise instead of the examples)',
    )
    .option('--once', 'process the given files, wait until all immediate work is done, then exit')
    .option('--json', 'with --once: print the outcome as JSON')
    .option('--config <file>', 'the Herald config file', 'herald.config.json')
    .option(
      '--press-list <csv>',
      'the press list uploaded as the bucket press list',
      'examples/press.csv',
    )
    .option(
      '--state-dir <dir>',
      'where outputs and emulator data go (default .herald; with --once, .herald/once)',
    )
    .option(
      '--fresh',
      "delete the previous run's outputs instead of keeping them in <state-dir>/previous-run/",
    )
    .option('--now <ISO time>', 'pretend the time is this (e.g. 2024-02-20T09:00:00Z)')
    .option(
      '--fast-forward',
      'after processing, move the clock past every pending embargo lift and release',
    )
    .option('--dropbox <dir>', 'folder watched for new statements (interactive mode)', 'dropbox')
    .option(
      '--approve-by <email>',
      'with approval configured: this approver approves each revision awaiting approval, by following the Approve link in their proof email',
    )
    .option(
      '--s3-port <port>',
      `S3 emulator port (default ${DEFAULT_PORTS.s3}; 0 = any free port)`,
      parsePort('--s3-port'),
    )
    .option(
      '--ses-port <port>',
      `SES emulator and inbox port (default ${DEFAULT_PORTS.ses})`,
      parsePort('--ses-port'),
    )
    .option(
      '--dynamodb-port <port>',
      `DynamoDB emulator port (default ${DEFAULT_PORTS.dynamodb})`,
      parsePort('--dynamodb-port'),
    )
    .option(
      '--http-port <port>',
      `newsroom console, local receivers and unsubscribe pages port (default ${DEFAULT_PORTS.http})`,
      parsePort('--http-port'),
    )
    .action(async (files: string[], options: DevOptions) => {
      // The SDK's Node-version notice is about AWS, not this local run; keep the terminal for the summary.
      process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
      await runDev(files, options);
    });
}

function parseNow(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const time = Date.parse(value);
  if (Number.isNaN(time) || !/^\d{4}-\d{2}-\d{2}T/.test(value)) {
    throw new UsageError(
      `--now must be an ISO 8601 time such as 2024-02-20T09:00:00Z, not "${value}".`,
    );
  }
  return new Date(time);
}

function loadConfig(path: string) {
  const config = loadConfigFile(path);
  // SNS would refuse these policies at deploy time; say so now rather than filter wrongly.
  const issues: Issue[] = config.partners.subscriptions.flatMap((s, i) =>
    s.filterPolicy === undefined
      ? []
      : validateFilterPolicy(s.filterPolicy).map((issue) => ({
          path: ['partners', 'subscriptions', String(i), 'filterPolicy', issue.path]
            .filter((p) => p !== '')
            .join('.'),
          message: issue.message,
        })),
  );
  if (issues.length > 0) throw new ConfigError(issues, path);
  return config;
}

async function readInput(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new UsageError(`Cannot read ${what} ${path}: ${describeError(error)}`);
  }
}

async function exampleFiles(): Promise<string[]> {
  if (!existsSync(EXAMPLES_DIR)) return [];
  const names = (await readdir(EXAMPLES_DIR)).filter((n) => n.endsWith('.json')).sort();
  return names.map((n) => join(EXAMPLES_DIR, n));
}

function ports(options: DevOptions, randomByDefault: boolean): Record<PortName, number> {
  const pick = (name: PortName, flag: number | undefined) =>
    flag ?? (randomByDefault ? 0 : DEFAULT_PORTS[name]);
  return {
    s3: pick('s3', options.s3Port),
    ses: pick('ses', options.sesPort),
    dynamodb: pick('dynamodb', options.dynamodbPort),
    http: pick('http', options.httpPort),
  };
}

async function runDev(files: string[], options: DevOptions): Promise<void> {
  if (options.once && files.length === 0) {
    throw new UsageError(
      'dev --once needs at least one statement file, e.g. herald dev --once my-statement.json',
    );
  }
  if (options.json && !options.once) throw new UsageError('--json works only with --once.');
  const now = parseNow(options.now);
  const config = loadConfig(options.config);
  const pressList = await readInput(options.pressList, 'the press list');
  const inputs = options.once || files.length > 0 ? files : await exampleFiles();
  const bodies = await Promise.all(
    inputs.map(async (f) => ({ path: f, body: await readInput(f, 'the statement') })),
  );

  const out = process.stdout;
  const live = !options.once && out.isTTY === true;
  const printer = new SummaryPrinter(out, live);
  // The examples tell their story before the seed's lift unless a time is given.
  const demo = !options.once && files.length === 0 && now === undefined;
  let stack: LocalStack | undefined;
  stack = await startLocalStack({
    // --once has its own folder, so it can run beside `npm start`.
    stateDir: options.stateDir ?? (options.once ? join('.herald', 'once') : '.herald'),
    config,
    pressList,
    // --once never needs fixed ports (nothing is served after it exits).
    ports: ports(options, options.once === true),
    // --once: a frozen clock, so nothing lifts unless --fast-forward says so.
    clock: options.once ? frozenClock(now ?? new Date()) : runningClock(demo ? DEMO_START : now),
    fresh: options.fresh === true,
    command: options.once ? 'herald dev --once' : 'herald dev (npm start)',
    ...(options.json
      ? {}
      : {
          onChange: () => {
            if (stack) printer.changed(stack);
          },
        }),
  });
  const stateDir = displayPath(stack.paths.stateDir);
  const newsroom = options.once
    ? undefined
    : attachConsole(stack, {
        demo,
        onClockMoved: () => {
          if (stack) out.write(`Clock moved to the lift. ${clockLine(stack, demo)}\n`);
        },
        onUpload: (name) => out.write(`Console: uploading ${name}…\n`),
      });

  try {
    if (!options.json) out.write(startLines(stack, stateDir, newsroom?.url, demo));
    for (const { path, body } of bodies) {
      await stack.upload(basename(path), body);
      await stack.drain();
      // Right after each upload, so the revisions go out in the order an unapproved run sends them.
      if (options.approveBy) await approveBy(stack, options.approveBy);
      if (!options.json) printer.settle(stack);
    }
    if (options.fastForward) {
      const at = await stack.fastForward();
      if (!options.json) {
        out.write(
          at
            ? `Fast-forwarded the clock to ${formatInstant(at, stack.config.timezone)}: every embargo has lifted.\n`
            : 'Fast-forward: no embargo was waiting.\n',
        );
        printer.settle(stack);
      }
    }
    const summary = stack.summary();
    if (options.json) {
      out.write(`${JSON.stringify(toJsonReport(summary), null, 2)}\n`);
      return;
    }
    out.write(footer(stack, stateDir, summary.deadLetters, summary.duplicateEmails, newsroom?.url));
    if (options.once) return;

    const dropbox = await watchDropbox({
      directory: resolve(options.dropbox),
      onFile: async (name, body) => {
        out.write(`Dropbox: uploading ${name}…\n`);
        await stack?.upload(name, body);
        await stack?.drain();
        if (stack) printer.settle(stack);
      },
      onError: (name, error) =>
        out.write(`Dropbox: could not upload ${name}: ${describeError(error)}\n`),
    });
    out.write(
      `Watching ${displayPath(dropbox.directory)}/: drop a statement JSON there to send it. Press Ctrl-C to stop.\n`,
    );
    const keys = listenForEnter(stack, demo, out);
    await new Promise<void>((done) => {
      process.once('SIGINT', () => done());
      process.once('SIGTERM', () => done());
    });
    keys?.close();
    dropbox.close();
    out.write('\nStopping…\n');
  } finally {
    newsroom?.close();
    await stack.stop();
  }
  if (!options.json) out.write(`Stopped. Everything that happened is in ${stateDir}/\n`);
}

/** `--approve-by`: approve what awaits approval; say so when the address cannot approve. */
async function approveBy(stack: LocalStack, email: string): Promise<void> {
  const result = await approvePending(stack, email);
  if (!result.approver) {
    const approvers = stack.config.approval?.approvers.map((a) => a.email) ?? [];
    const waiting = stack.summary().statements.filter((s) => s.outcome === 'awaiting-approval');
    if (waiting.length > 0) {
      process.stderr.write(
        approvers.length === 0
          ? `herald: --approve-by ${email}: approval is not configured, so there is nothing to approve.\n`
          : `herald: --approve-by ${email}: not an approver (approval.approvers: ${approvers.join(', ')}); nothing was approved.\n`,
      );
    }
  }
  for (const { id, revision } of result.withoutProof) {
    process.stderr.write(
      `herald: --approve-by ${email}: no proof email for ${id} revision ${revision} in the outbox; not approved.\n`,
    );
  }
}

function listenForEnter(stack: LocalStack, demo: boolean, out: NodeJS.WriteStream) {
  const lift = nextLift(stack);
  if (lift) {
    out.write(
      `Next embargo lift: ${lift.label}.${process.stdin.isTTY ? ' Press Enter to move the clock there (or use the console).' : ' The console can move the clock there.'}\n`,
    );
  }
  if (!process.stdin.isTTY) return undefined;
  const keys = createInterface({ input: process.stdin });
  keys.on('line', () => {
    void (async () => {
      const moved = await moveToNextLift(stack);
      if (!moved) {
        out.write(`No embargo is waiting to lift. ${clockLine(stack, demo)}\n`);
        return;
      }
      out.write(`Clock moved to the lift. ${clockLine(stack, demo)}\n`);
      const after = nextLift(stack);
      if (after) out.write(`Next embargo lift: ${after.label}. Press Enter to move there.\n`);
    })().catch((error: unknown) =>
      out.write(`Could not move the clock: ${describeError(error)}\n`),
    );
  });
  return keys;
}
