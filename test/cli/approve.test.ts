/**
 * `herald approve` and `herald reject` against a running local stack (no table named):
 * the decision is recorded as the local operator, ingest acts on it through the local
 * Lambda Invoke endpoint, and a revision that is not awaiting approval is refused.
 */
import { userInfo } from 'node:os';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../cli/index';
import { startTestStack, TEST_CONFIG, type TestStack } from '../helpers/local-stack';

const ID = 'bscp-2024-02-scr';
const OPERATOR = `local:${userInfo().username}`;
let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({
    config: {
      ...TEST_CONFIG,
      approval: { approvers: [{ email: 'sam.head@example.org', name: 'Sam Head' }] },
    },
  });
});
afterAll(async () => {
  await stack?.stop();
});
afterEach(() => {
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

async function herald(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => out.push(String(chunk)) > 0);
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => err.push(String(chunk)) > 0);
  const ports = [
    '--dynamodb-port',
    new URL(stack.endpoints.dynamodb).port,
    '--http-port',
    new URL(stack.endpoints.http).port,
  ];
  const code = await main(['node', 'herald', ...args, ...ports]);
  vi.restoreAllMocks();
  process.exitCode = undefined;
  return { code, out: out.join(''), err: err.join('') };
}

describe('herald approve / reject on the local stack', () => {
  it('approves as the local operator: ingest sends it, and ops hear who approved', async () => {
    await stack.upload('01.json', await stack.readExample('01-bscp-serious-case-review.json'));
    await stack.drain();
    expect(await stack.emlFiles(ID, 1)).toEqual([]);

    const result = await herald('approve', ID, '--revision', '1');
    await stack.drain();

    expect(result).toMatchObject({ code: 0 });
    expect(result.out).toContain(`Approved ${ID} revision 1 as ${OPERATOR}`);
    expect((await stack.emlFiles(ID, 1)).length).toBe(4);
    const summary = (await stack.ops()).find((o) => o.subject === `Herald: published ${ID} r1`);
    expect(summary?.text).toContain(`Approved by ${OPERATOR} (operator)`);
  });

  it('refuses a revision that is not awaiting approval, and changes nothing', async () => {
    const again = await herald('approve', ID, '--revision', '1');
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/is not awaiting approval: it was already approved or rejected/);
    const unknown = await herald('reject', ID, '--revision', '7', '--reason', 'x');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/no such revision/);
  });

  it('rejects with a reason: nothing is sent, ops hear why', async () => {
    const body = JSON.parse(await stack.readExample('05-bscp-serious-case-review-correction.json'));
    await stack.upload('05.json', JSON.stringify(body));
    await stack.drain();

    const result = await herald(
      'reject',
      ID,
      '--revision',
      '2',
      '--reason',
      'Wrong date in para 2',
    );
    await stack.drain();

    expect(result.code).toBe(0);
    expect(await stack.emlFiles(ID, 2)).toEqual([]);
    const ops = (await stack.ops()).find(
      (o) => o.subject === `Herald: rejected by approver ${ID} r2`,
    );
    expect(ops?.text).toContain('Reason: Wrong date in para 2');
    expect(stack.summary().statements.at(-1)).toMatchObject({ outcome: 'rejected' });
  });

  it('explains when no local stack is running', async () => {
    const out: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => out.push(String(chunk)) > 0);
    const code = await main([
      'node',
      'herald',
      'approve',
      ID,
      '--revision',
      '1',
      '--dynamodb-port',
      '1',
      '--http-port',
      '1',
    ]);
    expect(code).toBe(2);
    expect(out.join('')).toMatch(/no local stack is running at http:\/\/127\.0\.0\.1:1/);
  });
});
