/** The sample statement (examples/statements/01-…) parsed as ingest would, while its embargo is in force. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseStatement } from '../../core/statement/parse';
import type { Statement } from '../../core/statement/schema';
import type { EmbargoInfo } from '../../core/types';

export const SAMPLE_STATEMENT = 'examples/statements/01-bscp-serious-case-review.json';

export interface Sample {
  bytes: Buffer;
  statement: Statement;
  embargo: EmbargoInfo | null;
  /** A processing time 12 h before the embargo lifts, so the embargoed (usual) email is rendered. */
  now: Date;
}

export async function loadSample(root: string): Promise<Sample> {
  const bytes = await readFile(join(root, SAMPLE_STATEMENT));
  const raw = JSON.parse(bytes.toString('utf8')) as { embargo?: { until?: string } };
  const until = raw.embargo?.until ? Date.parse(raw.embargo.until) : Number.NaN;
  const now = Number.isFinite(until) ? new Date(until - 12 * 3600_000) : new Date();
  const parsed = parseStatement(bytes, { now });
  if (!parsed.ok) {
    throw new Error(
      `${SAMPLE_STATEMENT} does not parse: ${parsed.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`,
    );
  }
  return { bytes, statement: parsed.statement, embargo: parsed.embargo, now };
}
