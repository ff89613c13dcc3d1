/**
 * The pure parts of approval: the signed, expiring link tokens, the config's
 * `approval` section, and the proof email's text and HTML (what an approver reads,
 * escaped whatever the statement holds).
 */
import * as cheerio from 'cheerio';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type PressAudience, partnerAudience, pressAudience } from '../../core/approval/audience';
import { type ProofInput, proofHtml, proofText } from '../../core/approval/proof';
import { parseConfig } from '../../core/config/load';
import { planRevision } from '../../core/lifecycle';
import type { PressListRow } from '../../core/press-list';
import {
  type ApprovalClaims,
  createApprovalToken,
  verifyApprovalToken,
} from '../../core/security/approval-token';
import { renderSocial } from '../../core/social';
import type { Statement } from '../../core/statement/schema';
import { sampleStatement } from '../fixtures/statements';

const SECRET = 's'.repeat(64);
const NOW = 1_708_419_600; // 2024-02-20T09:00:00Z
const claims: ApprovalClaims = {
  id: 'bscp-2024-02-scr',
  revision: 2,
  approver: 'sam.head@example.org',
  name: 'Sam Head',
  action: 'approve',
  expires: NOW + 3600,
};

describe('approval tokens', () => {
  it('verify for the approver, revision and action they were made for', () => {
    const token = createApprovalToken(claims, SECRET);
    expect(verifyApprovalToken(token, SECRET, NOW)).toEqual({ ok: true, claims });
  });

  it('expire at their expiry', () => {
    const token = createApprovalToken(claims, SECRET);
    expect(verifyApprovalToken(token, SECRET, claims.expires - 1).ok).toBe(true);
    expect(verifyApprovalToken(token, SECRET, claims.expires)).toEqual({
      ok: false,
      reason: 'expired',
    });
  });

  it('refuse another key, and a payload signed by anyone else', () => {
    const token = createApprovalToken(claims, SECRET);
    expect(verifyApprovalToken(token, 't'.repeat(64), NOW)).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
    const [version, , signature] = token.split('.');
    const other = createApprovalToken({ ...claims, action: 'reject' }, SECRET).split('.')[1];
    expect(verifyApprovalToken(`${version}.${other}.${signature}`, SECRET, NOW)).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
  });

  it('never verify a token with any one character changed', () => {
    const token = createApprovalToken(claims, SECRET);
    fc.assert(
      fc.property(
        fc.nat({ max: token.length - 1 }),
        fc.constantFrom(...'ABCDEFabcdef0123456789-_.'),
        (index, char) => {
          const changed = token.slice(0, index) + char + token.slice(index + 1);
          fc.pre(changed !== token);
          expect(verifyApprovalToken(changed, SECRET, NOW).ok).toBe(false);
        },
      ),
    );
  });

  it('never throw on anything a link may carry', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.anything()), (value) => {
        expect(verifyApprovalToken(value, SECRET, NOW).ok).toBe(false);
      }),
    );
  });
});

const BASE_CONFIG = {
  sender: { from: 'press@example.org', sesIdentity: 'example.org' },
  opsEmails: ['ops@example.org'],
};

describe('config approval', () => {
  it('defaults to one approval, withdrawals at once, links valid for 72 hours', () => {
    const result = parseConfig(
      JSON.stringify({
        ...BASE_CONFIG,
        approval: { approvers: [{ email: 'a@example.org', name: 'A' }] },
      }),
    );
    expect(result).toMatchObject({
      ok: true,
      config: { approval: { required: 1, withdrawals: 'immediate', linkValidityHours: 72 } },
    });
  });

  it('explains every mistake with its path', () => {
    const result = parseConfig(
      JSON.stringify({
        ...BASE_CONFIG,
        approval: {
          approvers: [
            { email: 'a@example.org', name: 'A' },
            { email: 'A@example.org', name: 'A again' },
            { email: 'not-an-address', name: 'B' },
          ],
          required: 4,
          withdrawals: 'later',
        },
      }),
    );
    expect(result.ok).toBe(false);
    const errors = result.ok ? [] : result.errors;
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'approval.approvers.2.email' }),
        expect.objectContaining({
          path: 'approval.withdrawals',
          message: expect.stringMatching(/"immediate".*"approve"/),
        }),
      ]),
    );
    const missing = parseConfig(JSON.stringify({ ...BASE_CONFIG, approval: {} }));
    expect(missing.ok ? [] : missing.errors).toEqual([
      expect.objectContaining({
        path: 'approval.approvers',
        message: expect.stringMatching(/approvers/),
      }),
    ]);
    const tooMany = parseConfig(
      JSON.stringify({
        ...BASE_CONFIG,
        approval: {
          approvers: [
            { email: 'a@example.org', name: 'A' },
            { email: 'a@example.org', name: 'B' },
          ],
          required: 3,
        },
      }),
    );
    expect(tooMany.ok ? [] : tooMany.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          path: 'approval.required',
          message: expect.stringMatching(/only 2 approvers/),
        }),
        expect.objectContaining({
          path: 'approval.approvers.1.email',
          message: expect.stringMatching(/twice/),
        }),
      ]),
    );
  });
});

const ROWS: PressListRow[] = [
  {
    kind: 'row',
    line: 2,
    email: 'a@example.org',
    name: 'A',
    outlet: null,
    topics: ['safeguarding'],
  },
  { kind: 'row', line: 3, email: 'b@example.org', name: 'B', outlet: null, topics: [] },
  { kind: 'row', line: 4, email: 'c@example.org', name: 'C', outlet: null, topics: ['roads'] },
];

function proofFor(statement: Statement, now = new Date('2024-02-20T09:00:00Z')): ProofInput {
  const { plan, warnings } = planRevision(null, statement, {
    now,
    defaultTimezone: 'Europe/London',
  });
  const press = plan.effects.find((e) => e.kind === 'press');
  const audience: PressAudience | null =
    press?.kind === 'press' ? pressAudience(ROWS, press, 0) : null;
  const rendered = {
    email: {
      statementId: statement.id,
      revision: statement.revision,
      language: 'en',
      subject: 'S',
      html: { parts: [''], slots: [] },
      text: { parts: [''], slots: [] },
      replyTo: null,
    },
    social: renderSocial(statement, plan.embargo),
    plainText: 'text',
    embargo: plan.embargo,
  };
  return {
    statement,
    plan,
    social: rendered.social,
    warnings,
    approver: { email: 'sam.head@example.org', name: 'Sam <Head>' },
    required: 1,
    approverCount: 2,
    links: { approve: 'https://a.example/?t=x&y=1', reject: 'https://a.example/?t=z' },
    linksExpire: new Date('2024-02-23T09:00:00Z'),
    now,
    timezone: 'Europe/London',
    uploadedBy: 'AWS:AIDAEXAMPLE',
    supersedes: null,
    press: audience,
    pressListProblem: null,
    partners: partnerAudience(
      statement,
      rendered,
      plan,
      [
        { name: 'released-only', filterPolicy: { type: ['statement.released'] } },
        { name: 'roads-only', filterPolicy: { topics: ['roads'] } },
      ],
      now,
    ),
    journalistText: 'Dear Jane Smith,\n\nThe text.',
    journalistSubject: 'EMBARGOED until …',
  };
}

describe('the proof', () => {
  it('says in plain words who gets what, and when', () => {
    const text = proofText(proofFor(sampleStatement()));
    expect(text).toContain(
      'Journalists: 2 journalists on the press list (1 follow safeguarding, 0 follow case-reviews, 1 take every topic) get the embargoed email.',
    );
    expect(text).toContain('EMBARGOED until 00:01 GMT, Wednesday 21 February 2024');
    expect(text).toContain('Partner released-only: statement.released (at the lift)');
    expect(text).toContain(
      'Partner roads-only: nothing (its filter policy lets none of these messages through)',
    );
    expect(text).toContain('Website: rebuilt at the lift.');
    expect(text).toMatch(/Later: a correction goes to every journalist/);
    expect(text).toContain('Approve: https://a.example/?t=x&y=1');
  });

  it('says so when the embargo has already passed: approving sends it at once', () => {
    const late = proofFor(sampleStatement(), new Date('2024-02-22T09:00:00Z'));
    expect(proofText(late)).toContain('the embargo has already passed: approving sends it at once');
  });

  it('escapes whatever the statement and approver hold in the HTML', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 80 }).filter((s) => s.trim() !== ''),
        (headline) => {
          const input = proofFor(sampleStatement());
          const html = proofHtml({
            ...input,
            statement: { ...input.statement, headline: `<b>${headline}</b>` },
            approver: { ...input.approver, name: `<i>${headline}</i>` },
          });
          const $ = cheerio.load(html);
          expect($('main b, main i, main script')).toHaveLength(0);
          expect($('main').text()).toContain(`<b>${headline}</b>`);
          expect($('a').first().attr('href')).toBe('https://a.example/?t=x&y=1');
        },
      ),
      { numRuns: 50 },
    );
  });
});
