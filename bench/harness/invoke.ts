/**
 * Child harness: a fresh Node process doing what Lambda's runtime does at a
 * cold start: import the bundle's `index.mjs`, then call `handler` once.
 * With BENCH_SAMPLE_RSS=1 it also samples RSS every 5 ms and reads the kernel's
 * high-water mark (VmHWM), for memory metrics.
 * Prints one JSON line: {importMs, invokeMs, totalMs, sinceProcessStartMs, rssMB, peakRssMB, vmHwmMB, result}.
 * Usage: node invoke.mjs <bundle index.mjs> <event.json>
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

const [bundle, eventFile] = process.argv.slice(2);
if (!bundle || !eventFile) {
  process.stderr.write('usage: invoke.mjs <bundle> <event.json>\n');
  process.exit(2);
}

const MB = 2 ** 20;
let peakRss = process.memoryUsage.rss();
let peakHeapUsed = 0;
const sampler =
  process.env.BENCH_SAMPLE_RSS === '1'
    ? setInterval(() => {
        const m = process.memoryUsage();
        peakRss = Math.max(peakRss, m.rss);
        // Live JS heap vs RSS: separates data held from V8's heap slack and native buffers.
        peakHeapUsed = Math.max(peakHeapUsed, m.heapUsed);
      }, 5)
    : null;

/** The kernel's peak resident set size for this process (Linux only), in MB. */
function vmHwmMB(): number | null {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return m?.[1] ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

const event: unknown = JSON.parse(readFileSync(eventFile, 'utf8'));
const context = {
  awsRequestId: 'bench-invoke',
  functionName: process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'bench',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-2:000000000000:function:bench',
  memoryLimitInMB: '512',
  logGroupName: '/aws/lambda/bench',
  logStreamName: 'bench',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 30_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
};

const t0 = performance.now();
const mod = (await import(pathToFileURL(bundle).href)) as { handler?: Handler };
const t1 = performance.now();
if (typeof mod.handler !== 'function') throw new Error(`${bundle} exports no handler`);
const result = await mod.handler(event, context);
const t2 = performance.now();
if (sampler) clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage.rss());
process.stdout.write(
  `${JSON.stringify({
    importMs: t1 - t0,
    invokeMs: t2 - t1,
    totalMs: t2 - t0,
    sinceProcessStartMs: t2,
    rssMB: process.memoryUsage.rss() / MB,
    peakRssMB: peakRss / MB,
    peakHeapUsedMB: peakHeapUsed / MB,
    vmHwmMB: vmHwmMB(),
    result: result ?? null,
  })}\n`,
);
// Open keep-alive sockets would hold the process; Lambda freezes it instead.
process.exit(0);
