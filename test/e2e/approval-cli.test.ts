/**
 * The acceptance runs of approval, through the real CLI (`node bin/herald.mjs dev --once
 * --json` on every example statement): with approval configured nothing reaches
 * journalists, partners or the website and each approver has a proof; with
 * `--approve-by <approver>` the run delivers exactly what an unapproved run delivers,
 * and the ops summaries name the approver; an address that is not an approver approves
 * nothing and says so.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as cheerio from 'cheerio';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devOnce, REPO } from '../helpers/local-stack';

const APPROVERS = [
  { email: 'head.of.comms@example.org', name: 'Sam Head' },
  { email: 'duty.officer@example.org', name: 'Ola Duty' },
];
const EXAMPLES = [
  '01-bscp-serious-case-review.json',
  '02-westmere-council-winter-gritting.json',
  '03-westmere-nhs-family-hub-media-advisory.json',
  '04-glanyrafon-llyfrgelloedd-cy.json',
  '05-bscp-serious-case-review-correction.json',
  '06-wdnhs-family-hub-withdrawn.json',
].map((f) => join('examples', 'statements', f));

interface Report {
  statements: Array<{
    file: string;
    id: string | null;
    revision: number | null;
    outcome: string;
    press: { emailed: number };
  }>;
}

let dir: string;
let approvalConfig: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'herald-approval-cli-'));
  const config = JSON.parse(await readFile(join(REPO, 'herald.config.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  delete config.$schema;
  approvalConfig = join(dir, 'approval.config.json');
  await writeFile(
    approvalConfig,
    JSON.stringify({ ...config, approval: { approvers: APPROVERS } }),
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function dev(stateDir: string, extra: string[]): Promise<{ report: Report; stderr: string }> {
  const { stdout, stderr } = await devOnce(stateDir, [...extra, ...EXAMPLES], 120_000);
  return { report: JSON.parse(stdout) as Report, stderr };
}

/** What journalists, partners and the website got, without ids and times that differ per run. */
async function delivered(stateDir: string) {
  const emails: string[] = [];
  const outbox = join(stateDir, 'outbox');
  for (const id of existsSync(outbox) ? await readdir(outbox) : []) {
    if (id === '_approvals') continue;
    for (const revision of await readdir(join(outbox, id))) {
      for (const file of await readdir(join(outbox, id, revision))) {
        emails.push(`${id}/${revision}/${file}`);
      }
    }
  }
  const partners: Record<string, string[]> = {};
  const partnerDir = join(stateDir, 'partners');
  for (const file of existsSync(partnerDir) ? await readdir(partnerDir) : []) {
    const lines = (await readFile(join(partnerDir, file), 'utf8')).trim().split('\n');
    partners[file] = lines.map((line) => {
      const record = JSON.parse(line) as {
        message: { type: string; statement: { id: string; revision: number } };
      };
      return `${record.message.type} ${record.message.statement.id} r${record.message.statement.revision}`;
    });
  }
  const hooksFile = join(stateDir, 'website', 'hooks.jsonl');
  const hooks = existsSync(hooksFile)
    ? (await readFile(hooksFile, 'utf8'))
        .trim()
        .split('\n')
        .map((line) => {
          const body = JSON.parse((JSON.parse(line) as { body: string }).body) as {
            type: string;
            id: string;
            revision: number;
          };
          return `${body.type} ${body.id} r${body.revision}`;
        })
    : [];
  return { emails: emails.sort(), partners, hooks };
}

describe('herald dev --once with approval configured', () => {
  it('sends nothing but proofs: each approver has one per revision awaiting approval', async () => {
    const stateDir = join(dir, 'awaiting');
    const { report } = await dev(stateDir, ['--config', approvalConfig]);
    const outcomes = report.statements.map((s) => [s.file, s.outcome]);
    expect(outcomes).toEqual([
      // Replaced by 05 (revision 2 of the same statement) while it waited.
      ['01-bscp-serious-case-review.json', 'superseded'],
      ['02-westmere-council-winter-gritting.json', 'awaiting-approval'],
      // Withdrawn (at once, withdrawals: "immediate") before anyone approved it.
      ['03-westmere-nhs-family-hub-media-advisory.json', 'superseded'],
      ['04-glanyrafon-llyfrgelloedd-cy.json', 'awaiting-approval'],
      ['05-bscp-serious-case-review-correction.json', 'awaiting-approval'],
      ['06-wdnhs-family-hub-withdrawn.json', 'withdrawn'],
    ]);
    expect(report.statements.every((s) => s.press.emailed === 0)).toBe(true);
    expect(await delivered(stateDir)).toEqual({ emails: [], partners: {}, hooks: [] });

    const proofs = join(stateDir, 'outbox', '_approvals', 'bscp-2024-02-scr', '2');
    const files = (await readdir(proofs)).sort();
    expect(files).toEqual(APPROVERS.map((a) => `${a.email}.proof.eml`).sort());
    const raw = await readFile(join(proofs, files[0] ?? ''));
    const mail = await simpleParser(raw);
    const $ = cheerio.load(typeof mail.html === 'string' ? mail.html : '');
    // mailparser shows the attached journalist email inline after the proof: its links follow.
    const links = $('a')
      .toArray()
      .slice(0, 2)
      .map((a) => [$(a).text().trim(), $(a).attr('href') ?? '']);
    expect(links.map(([label]) => label)).toEqual(['Approve', 'Reject']);
    for (const [, href] of links) expect(href).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/approval\?t=/);
    // The journalist email rides along as a message (mailparser shows it inline).
    expect(raw.toString('utf8')).toMatch(
      /Content-Type: message\/rfc822; name=journalist-email\.eml[\s\S]*Content-Disposition: attachment/,
    );
    expect(mail.text).toContain('Dear Sam Sample,');
  }, 180_000);

  it('with --approve-by an approver, delivers exactly what an unapproved run delivers', async () => {
    const approved = join(dir, 'approved');
    const unapproved = join(dir, 'unapproved');
    const [withApproval, without] = await Promise.all([
      dev(approved, ['--config', approvalConfig, '--approve-by', APPROVERS[1]?.email ?? '']),
      dev(unapproved, []),
    ]);
    expect(withApproval.report.statements.map((s) => [s.outcome, s.press.emailed])).toEqual(
      without.report.statements.map((s) => [s.outcome, s.press.emailed]),
    );
    const got = await delivered(approved);
    expect(got.emails.length).toBeGreaterThan(0);
    expect(got).toEqual(await delivered(unapproved));
    const ops = (await readFile(join(approved, 'ops.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { subject: string; text: string });
    const summary = ops.find((o) => o.subject === 'Herald: published bscp-2024-02-scr r1');
    expect(summary?.text).toMatch(/Approved by Ola Duty \(duty\.officer@example\.org\)/);
    expect(summary?.text).toMatch(/Proof sent to head\.of\.comms@example\.org/);
  }, 240_000);

  it('with --approve-by someone who is not an approver, approves nothing and says so', async () => {
    const { report, stderr } = await dev(join(dir, 'not-approver'), [
      '--config',
      approvalConfig,
      '--approve-by',
      'someone.else@example.org',
    ]);
    expect(report.statements.map((s) => s.outcome)).toContain('awaiting-approval');
    expect(report.statements.every((s) => s.press.emailed === 0)).toBe(true);
    expect(stderr).toMatch(/someone\.else@example\.org: not an approver .*nothing was approved/);
  }, 180_000);
});
