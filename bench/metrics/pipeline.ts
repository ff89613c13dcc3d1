/**
 * pipeline.uploadToInboxMsP50: the local stack (what `npm start` runs: the
 * same handlers, in-process emulators, SNS router, queues) from the PUT of a
 * statement into incoming/ to the first email in the SES emulator's inbox,
 * over several example statements (each with a fresh id and, where it has
 * one, an embargo still ahead, the usual case). The press list is
 * examples/press.csv; the send rate is the config's 14/s.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseConfig } from '../../core/config/load';
import { startLocalStack } from '../../local/stack';
import { median, percentile, round } from '../lib/stats';
import type { MetricGroup } from '../lib/types';

/** First revisions being published: corrections and withdrawals only go to earlier recipients. */
async function publishableExamples(dir: string): Promise<string[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
  const out: string[] = [];
  for (const file of files) {
    const s = JSON.parse(await readFile(join(dir, file), 'utf8')) as {
      status?: string;
      revision?: number;
    };
    if ((s.status ?? 'publish') === 'publish' && (s.revision ?? 1) === 1) out.push(file);
  }
  return out;
}

const CONFIG = {
  sender: { from: 'Herald Press Office <press@example.org>', sesIdentity: 'example.org' },
  opsEmails: ['ops@example.org'],
  timezone: 'Europe/London',
  press: { sendRatePerSecond: 14, listKey: 'lists/press.csv' },
  partners: { accounts: [], subscriptions: [] },
  website: { hookUrl: 'https://example.org/hooks/rebuild' },
};

const POLL_MS = 2;
const TIMEOUT_MS = 30_000;

export const pipelineGroup: MetricGroup = {
  id: 'pipeline',
  title: 'pipeline: upload to first email in the inbox (local stack)',
  async run(ctx) {
    const parsed = parseConfig(JSON.stringify(CONFIG));
    if (!parsed.ok) throw new Error(`bench config: ${JSON.stringify(parsed.errors)}`);
    const stack = await startLocalStack({
      stateDir: join(ctx.tmpDir, 'local-stack'),
      config: parsed.config,
      pressList: await readFile(join(ctx.root, 'examples/press.csv')),
      ports: { s3: 0, ses: 0, dynamodb: 0, http: 0 },
      logLevel: process.env.BENCH_LOCAL_LOG === '1' ? 'INFO' : 'SILENT',
    });
    const inbox = stack.endpoints.ses;
    const storeSize = async () => {
      const res = await fetch(`${inbox}/store`);
      return ((await res.json()) as { emails: unknown[] }).emails.length;
    };
    const reps = ctx.quick ? 1 : 3;
    const examples = join(ctx.root, 'examples/statements');
    const all = await publishableExamples(examples);
    if (all.length === 0) throw new Error(`no first-revision statements in ${examples}`);
    const files = ctx.quick ? all.slice(0, 2) : all;
    const samples: number[] = [];
    const per: string[] = [];
    try {
      for (let rep = 0; rep < reps; rep++) {
        for (const file of files) {
          const source = JSON.parse(await readFile(join(examples, file), 'utf8')) as {
            id: string;
            embargo?: { until: string; timezone?: string };
          };
          const statement = {
            ...source,
            id: `${source.id}-b${rep}`.slice(0, 64),
            ...(source.embargo
              ? {
                  embargo: {
                    ...source.embargo,
                    until: new Date(Date.now() + 86_400_000).toISOString(),
                  },
                }
              : {}),
          };
          await fetch(`${inbox}/clear-store`, { method: 'POST' });
          const body = JSON.stringify(statement, null, 2);
          const t0 = performance.now();
          await stack.upload(`${statement.id}.json`, body);
          while ((await storeSize()) === 0) {
            if (performance.now() - t0 > TIMEOUT_MS) {
              throw new Error(
                `no email for ${file} within ${TIMEOUT_MS} ms: ${JSON.stringify(stack.uploads.at(-1))}`,
              );
            }
            await new Promise((resolve) => setTimeout(resolve, POLL_MS));
          }
          const ms = performance.now() - t0;
          samples.push(ms);
          per.push(`${file.slice(0, 2)}:${ms.toFixed(0)}`);
          // Let the rest of this statement finish so the next one starts on a quiet stack.
          await stack.drain();
        }
      }
    } finally {
      if (process.env.BENCH_LOCAL_LOG === '1') ctx.log(`local stack log: ${stack.paths.log}`);
      await stack.stop();
    }
    ctx.log(`upload→inbox ms: ${per.join(' ')}`);
    return [
      {
        name: 'pipeline.uploadToInboxMsP50',
        value: round(median(samples), 0),
        unit: 'ms',
        note: `n=${samples.length} (${files.length} example statements × ${reps}); p95 ${percentile(samples, 95).toFixed(0)} ms; runs ${per.join(' ')}; local stack in one process, inbox polled every ${POLL_MS} ms`,
      },
    ];
  },
};
