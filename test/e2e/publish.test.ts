/**
 * End to end on the local stack: a statement is published to the right journalists, each
 * email has its own working one-click unsubscribe, and a correction skips who left.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstAddress, headerValue } from '../../local/outbox';
import { httpsRequest, startTestStack, type TestStack } from '../helpers/local-stack';

const ID = 'bscp-2024-02-scr';
// examples/press.csv rows whose topics meet safeguarding/case-reviews, or are empty (= all topics).
const EXPECTED = [
  'amira.haddad@example.co.uk',
  'hannah.price@example.co.uk',
  'sophie.kowalska@example.com',
  'tom.whitfield@example.com',
];

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

async function rawEmail(id: string, revision: number, recipient: string): Promise<string> {
  return readFile(join(stack.paths.outbox, id, String(revision), `${recipient}.eml`), 'utf8');
}

describe('a statement is published', () => {
  it('emails exactly the journalists whose topics match, once each, case-insensitively de-duplicated', async () => {
    await stack.upload(
      '01-bscp-serious-case-review.json',
      await stack.readExample('01-bscp-serious-case-review.json'),
    );
    await stack.drain();
    const [summary] = stack.summary().statements;
    expect(summary).toMatchObject({
      id: ID,
      revision: 1,
      outcome: 'published',
      press: { emailed: 4, failed: 0 },
    });
    expect(await stack.emlFiles(ID, 1)).toEqual(EXPECTED.map((e) => `${e}.eml`));
    expect(stack.deadLetters).toEqual([]);
  });

  it('each email parses, is addressed to one journalist and carries the statement header and embargo', async () => {
    const emails = await stack.emails(ID, 1);
    expect([...emails.keys()]).toEqual(EXPECTED);
    for (const [recipient, mail] of emails) {
      const to = Array.isArray(mail.to) ? mail.to : [mail.to];
      expect(to.flatMap((a) => a?.value ?? []).map((v) => v.address?.toLowerCase())).toEqual([
        recipient,
      ]);
      expect(mail.subject).toMatch(/^EMBARGOED until 00:01 GMT, Wednesday 21 February 2024: /);
      expect(mail.text).toContain('EMBARGOED');
      expect(mail.html).toBeTruthy();
      expect(mail.headers.get('x-herald-statement')).toBe(`${ID}; revision=1`);
    }
  });

  it('bad rows are reported to ops, not mailed', async () => {
    const ops = await stack.ops();
    const problems = ops.find((o) => /press list/i.test(o.subject ?? ''));
    expect(problems?.text).toContain('line 8');
    expect(problems?.text).toMatch(/not a valid email address/);
    expect(await stack.emlFiles(ID, 1)).not.toContain('not-an-email.eml');
  });

  it('the SES emulator store has the emails too', async () => {
    const store = (await (await fetch(`${stack.endpoints.ses}/store`)).json()) as {
      emails: Array<{ subject: string; destination: { to: string[] } }>;
    };
    const ours = store.emails.filter((e) =>
      e.subject.includes('Publication of a Serious Case Review'),
    );
    expect(ours.flatMap((e) => e.destination.to.map((t) => firstAddress(t))).sort()).toEqual(
      EXPECTED,
    );
  });

  it('every email has its own https one-click unsubscribe link; following it unsubscribes only that person', async () => {
    const links = await Promise.all(
      EXPECTED.map(async (r) => {
        const raw = await rawEmail(ID, 1, r);
        expect(headerValue(raw, 'list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
        const link = /<(https:\/\/[^>]+)>/.exec(headerValue(raw, 'list-unsubscribe') ?? '')?.[1];
        expect(link).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/unsubscribe\?t=/);
        return link ?? '';
      }),
    );
    expect(new Set(links).size).toBe(EXPECTED.length);

    const ca = await readFile(stack.paths.tlsCert, 'utf8');
    const tom = links[EXPECTED.indexOf('tom.whitfield@example.com')] ?? '';
    // GET only shows the confirmation page (link scanners must not unsubscribe anyone).
    const page = await httpsRequest(tom, { ca });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<form method="post"');
    const post = await httpsRequest(tom, {
      ca,
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(post.status).toBe(200);
    expect(post.body).toContain('unsubscribed');
    const forged = await httpsRequest(`${tom.split('?')[0]}?t=forged`, {
      ca,
      method: 'POST',
      body: '',
    });
    expect(forged.status).toBeGreaterThanOrEqual(400);
  });

  it('revision 2 (a correction) skips the journalist who unsubscribed and reaches everyone else', async () => {
    await stack.upload(
      '05-bscp-serious-case-review-correction.json',
      await stack.readExample('05-bscp-serious-case-review-correction.json'),
    );
    await stack.drain();
    const correction = stack.summary().statements[1];
    expect(correction).toMatchObject({
      id: ID,
      revision: 2,
      outcome: 'corrected',
      press: { emailed: 3, failed: 0 },
    });
    expect(await stack.emlFiles(ID, 2)).toEqual(
      EXPECTED.filter((e) => e !== 'tom.whitfield@example.com').map((e) => `${e}.eml`),
    );
    const mail = (await stack.emails(ID, 2)).get('amira.haddad@example.co.uk');
    expect(mail?.subject).toMatch(/^CORRECTION/);
    expect(stack.summary().duplicateEmails).toBe(0);
  });
});
