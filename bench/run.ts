/**
 * `npm run bench [-- --quick] [--json] [--strict] [--only a,b]`
 *
 * Runs each metric group (bench/metrics/*), checks the results against the
 * targets below (the only place they are written down) and prints a table or
 * `{metrics: [...]}` JSON. A missed target prints MISSED; the exit code is
 * non-zero for a missed target only with --strict, and always for a group
 * that could not run (a broken bench is a bug, a slow one is a finding).
 */

import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchContext, Measurement, MetricGroup } from './lib/types';

interface Target {
  op: '<=' | '>=' | '==';
  value: number;
}

/**
 * Targets (issue 13; the first set was issue 5). Change them here, and only
 * with data (docs/performance.md). Each ratio's floor is the work the design
 * requires, measured in the same run.
 */
export const TARGETS: Readonly<Record<string, Target>> = {
  'render.perRecipientRatio': { op: '<=', value: 0.03 },
  'send.coldInitRatio': { op: '<=', value: 1.25 },
  'ingest.bundleBytes': { op: '<=', value: 4_500_000 },
  'ingest.coldInitRatio': { op: '<=', value: 1.3 },
  'dispatch.peakRssMB': { op: '<=', value: 150 },
  'fanout.cpuPerEmailRatio': { op: '<=', value: 1.3 },
  'fanout.duplicates': { op: '==', value: 0 },
  'fanout.lost': { op: '==', value: 0 },
  'pacing.efficiency': { op: '>=', value: 0.95 },
  'pacing.throttledShare': { op: '<=', value: 0.01 },
  'pacing.lost': { op: '==', value: 0 },
  'pacing.duplicates': { op: '==', value: 0 },
};

/** Loaded one at a time, so a group whose code cannot load is reported as an ERROR row, not a crash. */
const GROUPS: Array<{ id: string; load: () => Promise<MetricGroup> }> = [
  { id: 'render', load: async () => (await import('./metrics/render')).renderGroup },
  { id: 'lambda', load: async () => (await import('./metrics/lambda')).lambdaGroup },
  {
    id: 'dispatch',
    load: async () => (await import('./metrics/dispatch-memory')).dispatchMemoryGroup,
  },
  { id: 'fanout', load: async () => (await import('./metrics/fanout')).fanoutGroup },
  { id: 'pacing', load: async () => (await import('./metrics/pacing')).pacingGroup },
  { id: 'pipeline', load: async () => (await import('./metrics/pipeline')).pipelineGroup },
];

type Status = 'ok' | 'MISSED' | 'info' | 'ERROR';

interface Reported extends Measurement {
  target?: string;
  status: Status;
}

function check(m: Measurement): Reported {
  const target = TARGETS[m.name];
  if (!target) return { ...m, status: 'info' };
  const met =
    target.op === '<='
      ? m.value <= target.value
      : target.op === '>='
        ? m.value >= target.value
        : m.value === target.value;
  return {
    ...m,
    target: `${target.op} ${target.value}`,
    status: Number.isFinite(m.value) && met ? 'ok' : 'MISSED',
  };
}

interface Flags {
  json: boolean;
  quick: boolean;
  strict: boolean;
  only: string[] | null;
}

function parseFlags(argv: string[]): Flags {
  const flags: Flags = { json: false, quick: false, strict: false, only: null };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--json') flags.json = true;
    else if (arg === '--quick') flags.quick = true;
    else if (arg === '--strict') flags.strict = true;
    else if (arg === '--only') flags.only = (argv[++i] ?? '').split(',').filter(Boolean);
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write(
        `usage: npm run bench -- [--quick] [--json] [--strict] [--only ${GROUPS.map((g) => g.id).join(',')}]\n`,
      );
      process.exit(0);
    } else {
      process.stderr.write(`bench: unknown flag ${arg} (try --help)\n`);
      process.exit(2);
    }
  }
  return flags;
}

function formatValue(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return value.toLocaleString('en-GB');
  return Math.abs(value) >= 100 ? value.toFixed(1) : value.toFixed(value < 1 ? 3 : 2);
}

function table(rows: Reported[]): string {
  const header = ['metric', 'value', 'unit', 'floor', 'target', 'status'];
  const body = rows.map((r) => [
    r.name,
    formatValue(r.value),
    r.unit,
    r.floor === undefined ? '' : `${formatValue(r.floor)} ${r.floorUnit ?? ''}`.trim(),
    r.target ?? '',
    r.status === 'ok' ? 'ok' : r.status === 'info' ? '' : `** ${r.status} **`,
  ]);
  const widths = header.map((h, i) =>
    Math.max(h.length, ...body.map((row) => (row[i] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 1 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const notes = rows.filter((r) => r.note).map((r) => `  ${r.name}: ${r.note}`);
  return [
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...body.map(line),
    ...(notes.length ? ['', 'notes:', ...notes] : []),
  ].join('\n');
}

/** Where the numbers came from: they mean little without it (docs/performance.md). */
function machine(): { cpus: number; cpuModel: string; node: string; loadAverage1m: number } {
  let cpuModel = 'unknown';
  try {
    cpuModel =
      /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpuModel;
  } catch {
    // not Linux: leave it unknown
  }
  return {
    cpus: availableParallelism(),
    cpuModel,
    node: process.version,
    loadAverage1m: loadavg()[0] ?? 0,
  };
}

/**
 * An emulator dropping a connection under load (s3rver, dynalite, the SES emulator:
 * "socket hang up", ECONNRESET) is the machine's hiccup, not Herald's: the group runs
 * once more, and its first measurement says so. Any other error fails the group.
 */
const EMULATOR_HICCUP = /socket hang up|ECONNRESET|EPIPE/;

async function runWithRetry(group: MetricGroup, ctx: BenchContext): Promise<Measurement[]> {
  try {
    return await group.run(ctx);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (!EMULATOR_HICCUP.test(message)) throw error;
    const first = message.split('\n')[0] ?? message;
    ctx.log(`${group.id}: an emulator dropped a connection (${first}); running the group again`);
    const rows = await group.run(ctx);
    const [head] = rows;
    if (head)
      head.note = `${head.note ? `${head.note}. ` : ''}Second attempt: the first ended on an emulator error (${first})`;
    return rows;
  }
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const tmpDir = await mkdtemp(join(tmpdir(), 'herald-bench-'));
  const ctx: BenchContext = {
    quick: flags.quick,
    root,
    tmpDir,
    buildDir: join(root, 'node_modules/.cache/herald-bench'),
    log: (message) => process.stderr.write(`[bench] ${message}\n`),
  };
  const groups = flags.only ? GROUPS.filter((g) => flags.only?.includes(g.id)) : GROUPS;
  const rows: Reported[] = [];
  const started = performance.now();
  // Load before we start: other work on the machine skews every wall-clock number here.
  const host = machine();
  try {
    for (const { id, load } of groups) {
      const t0 = performance.now();
      try {
        const group = await load();
        ctx.log(`${group.title}…`);
        for (const m of await runWithRetry(group, ctx)) rows.push(check(m));
      } catch (error) {
        const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
        ctx.log(`${id} failed: ${message}`);
        rows.push({
          name: `${id}.*`,
          value: Number.NaN,
          unit: '',
          status: 'ERROR',
          note: message.split('\n')[0] ?? '',
        });
      }
      ctx.log(`${id} done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
  } finally {
    // BENCH_KEEP_TMP=1 keeps fixtures and local-stack logs for a post-mortem.
    if (process.env.BENCH_KEEP_TMP === '1') ctx.log(`kept ${tmpDir}`);
    else await rm(tmpDir, { recursive: true, force: true });
  }

  if (flags.json) {
    process.stdout.write(
      `${JSON.stringify({ quick: flags.quick, machine: host, metrics: rows }, null, 2)}\n`,
    );
  } else {
    process.stdout.write(
      `\nHerald bench${flags.quick ? ' (--quick: small sizes, numbers not comparable)' : ''}\n\n`,
    );
    process.stdout.write(`${table(rows)}\n\n`);
    process.stdout.write(`total ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  }
  const missed = rows.filter((r) => r.status === 'MISSED');
  const errors = rows.filter((r) => r.status === 'ERROR');
  if (missed.length > 0) {
    process.stderr.write(
      `MISSED: ${missed.map((r) => `${r.name}=${formatValue(r.value)} (target ${r.target})`).join(', ')}\n`,
    );
  }
  if (errors.length > 0) process.exitCode = 1;
  else if (flags.strict && missed.length > 0) process.exitCode = 1;
  // Emulator sockets or SDK keep-alive agents must not keep a finished bench alive.
  setTimeout(() => process.exit(), 200).unref();
}

await main();
