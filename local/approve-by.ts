/**
 * `herald dev --approve-by <email>`: that approver approves every revision awaiting
 * approval, the way a person would: it finds the proof email they received in the
 * outbox, follows its Approve link (a real GET of the local https endpoint, which
 * only shows the confirmation page), then submits that page's form (the POST that
 * decides). So scripts and tests exercise the whole path, links included.
 */
import { readFile } from 'node:fs/promises';
import { request } from 'node:https';
import * as cheerio from 'cheerio';
import { simpleParser } from 'mailparser';
import { LocalStackError } from './errors';
import type { LocalStack } from './stack';

export interface ApproveByResult {
  /** False when the address is not one of `approval.approvers` (nothing was approved). */
  approver: boolean;
  approved: Array<{ id: string; revision: number }>;
  /** Revisions awaiting approval this approver got no proof for. */
  withoutProof: Array<{ id: string; revision: number }>;
}

export class ApproveByError extends LocalStackError {
  override name = 'ApproveByError';
}

/** Approves, as `email`, every revision the stack's uploads left awaiting approval. */
export async function approvePending(stack: LocalStack, email: string): Promise<ApproveByResult> {
  const result: ApproveByResult = { approver: false, approved: [], withoutProof: [] };
  const approvers = stack.config.approval?.approvers ?? [];
  if (!approvers.some((a) => a.email.toLowerCase() === email.toLowerCase())) return result;
  result.approver = true;
  const ca = await readFile(stack.paths.tlsCert, 'utf8');
  const pending = stack.uploads
    .map((u) => u.outcome)
    .filter((o) => o?.outcome === 'awaiting-approval' && o.id !== null && o.revision !== null);
  for (const outcome of pending) {
    if (outcome?.id == null || outcome.revision == null) continue;
    const { id, revision } = outcome;
    const proof = stack.outbox.proofFor(id, revision, email);
    if (!proof) {
      result.withoutProof.push({ id, revision });
      continue;
    }
    await followApprove(await readFile(proof.path), ca);
    await stack.drain();
    result.approved.push({ id, revision });
  }
  return result;
}

/** The proof's Approve link: GET the page, then POST its form, as a browser would. */
async function followApprove(raw: Buffer, ca: string): Promise<void> {
  const mail = await simpleParser(raw);
  const $mail = cheerio.load(typeof mail.html === 'string' ? mail.html : '');
  const link = $mail('a')
    .filter((_, a) => $mail(a).text().trim() === 'Approve')
    .attr('href');
  if (!link) throw new ApproveByError('The proof email has no Approve link.');
  const page = await fetchPage(link, 'GET', ca);
  if (page.status !== 200) {
    throw new ApproveByError(`The Approve link answered ${page.status}: ${titleOf(page.body)}`);
  }
  const $ = cheerio.load(page.body);
  const form = $('form[method="post"]');
  const fields = new URLSearchParams();
  form.find('input').each((_, input) => {
    const name = $(input).attr('name');
    if (name) fields.set(name, $(input).attr('value') ?? '');
  });
  const action = new URL(form.attr('action') ?? '', link).toString();
  const done = await fetchPage(action, 'POST', ca, fields.toString());
  if (done.status !== 200) {
    throw new ApproveByError(`Approving answered ${done.status}: ${titleOf(done.body)}`);
  }
}

function titleOf(html: string): string {
  return cheerio.load(html)('h1').first().text().trim() || html.slice(0, 200);
}

function fetchPage(
  url: string,
  method: 'GET' | 'POST',
  ca: string,
  body?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        ca,
        headers: body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
