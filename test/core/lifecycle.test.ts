/**
 * The lifecycle rules, one by one (docs/architecture.md, "A statement's lifecycle"),
 * then properties over random sequences of uploads and clock moves.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decideApproval,
  decideDelivery,
  decideRelease,
  decideUpload,
  decideWebsitePost,
  type Effect,
  headAwaiting,
  type IncomingRevision,
  type LifecycleHead,
  type RevisionPlan,
  simulateUpload,
} from '../../core/lifecycle';

const ID = 'bscp-2024-02-scr';
const LIFT = '2024-02-21T00:01:00.000Z';
const BEFORE = new Date('2024-02-20T09:00:00Z');
const AFTER = new Date('2024-02-21T09:00:00Z');
const TZ = 'Europe/London';

function upload(revision: number, extra: Partial<IncomingRevision> = {}): IncomingRevision {
  return { id: ID, revision, status: 'publish', topics: ['health'], ...extra };
}

function accept(head: LifecycleHead | null, incoming: IncomingRevision, now = BEFORE) {
  const decision = decideUpload(head, incoming, { now, defaultTimezone: TZ });
  if (decision.verdict !== 'accept') throw new Error(decision.issues[0]?.message);
  return decision;
}

/** Runs uploads in order at their times and returns the last decision and head. */
function run(...steps: Array<[IncomingRevision, Date]>) {
  let head: LifecycleHead | null = null;
  let last: ReturnType<typeof simulateUpload> | null = null;
  for (const [incoming, now] of steps) {
    last = simulateUpload(head, incoming, { now, defaultTimezone: TZ });
    head = last.head;
  }
  if (!last) throw new Error('no steps');
  return last;
}

function planOf(result: ReturnType<typeof simulateUpload>): RevisionPlan {
  if (result.decision.verdict !== 'accept') throw new Error(result.decision.issues[0]?.message);
  return result.decision.plan;
}

const kinds = (effects: Effect[]) => effects.map((e) => e.kind);

describe('a new statement', () => {
  it('with an embargo ahead: press now (EMBARGOED), partners published, release scheduled at the lift', () => {
    const { plan, warnings } = accept(null, upload(1, { embargo: { until: LIFT } }));
    expect(plan.kind).toBe('published');
    expect(plan.embargo?.until).toBe(LIFT);
    expect(plan.embargo?.display).toBe('00:01 GMT, Wednesday 21 February 2024');
    expect(plan.effects).toEqual([
      { kind: 'press', type: 'published', topics: ['health'], holders: false },
      { kind: 'partners', type: 'statement.published' },
      { kind: 'schedule', at: LIFT },
    ]);
    expect(warnings).toEqual([]);
  });

  it('without an embargo: everything at once, released now', () => {
    const { plan } = accept(null, upload(1));
    expect(plan.embargo).toBeNull();
    expect(kinds(plan.effects)).toEqual(['press', 'partners', 'release']);
  });

  it('whose lift has passed: a warning, and released at once', () => {
    const { plan, warnings } = accept(null, upload(1, { embargo: { until: LIFT } }), AFTER);
    expect(plan.embargo).toBeNull();
    expect(kinds(plan.effects)).toContain('release');
    expect(warnings).toEqual([
      expect.objectContaining({
        path: 'embargo.until',
        message: expect.stringMatching(/already passed/),
      }),
    ]);
  });

  it("shows the lift in the statement's own zone (BST in summer)", () => {
    const { plan } = accept(
      null,
      upload(1, { embargo: { until: '2031-06-10T09:00:00Z', timezone: 'Europe/London' } }),
    );
    expect(plan.embargo?.display).toBe('10:00 BST, Tuesday 10 June 2031');
  });

  it('honours channels that are off: no press, no partners, no website', () => {
    const { plan } = accept(
      null,
      upload(1, { channels: { press: false, partners: false, website: false } }),
    );
    expect(plan.effects).toEqual([{ kind: 'release', partners: false, website: false }]);
  });

  it('selects every journalist when it names no topics', () => {
    const { plan } = accept(null, upload(1, { topics: [] }));
    expect(plan.effects[0]).toEqual({
      kind: 'press',
      type: 'published',
      topics: [],
      holders: false,
    });
  });
});

describe('a correction while the earlier embargo is in force', () => {
  const original = upload(1, { embargo: { until: LIFT } });

  it('keeps the earlier lift when it names none: still EMBARGOED, released at that lift', () => {
    const result = run([original, BEFORE], [upload(2), BEFORE]);
    const plan = planOf(result);
    expect(plan.kind).toBe('corrected');
    expect(plan.embargo?.until).toBe(LIFT);
    expect(plan.inheritedFrom).toBe(1);
    expect(plan.liftChange).toBeNull();
    expect(plan.effects).toEqual([
      { kind: 'unschedule', below: 2 },
      { kind: 'press', type: 'corrected', topics: ['health'], holders: true },
      { kind: 'partners', type: 'statement.corrected' },
      { kind: 'schedule', at: LIFT },
    ]);
    expect(result.decision.warnings).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(/keeps revision 1's: it stays EMBARGOED until 00:01 GMT/),
      }),
    ]);
  });

  it('moves the lift later when it names a later one, and says so', () => {
    const later = '2024-02-22T09:00:00.000Z';
    const result = run([original, BEFORE], [upload(2, { embargo: { until: later } }), BEFORE]);
    const plan = planOf(result);
    expect(plan.embargo?.until).toBe(later);
    expect(plan.liftChange?.from.until).toBe(LIFT);
    expect(plan.liftChange?.to?.until).toBe(later);
    expect(plan.effects.at(-1)).toEqual({ kind: 'schedule', at: later });
    expect(result.decision.warnings[0]?.message).toMatch(/moves the lift later/);
  });

  it('moves the lift earlier when it names an earlier one', () => {
    const earlier = '2024-02-20T18:00:00.000Z';
    const plan = planOf(
      run([original, BEFORE], [upload(2, { embargo: { until: earlier } }), BEFORE]),
    );
    expect(plan.embargo?.until).toBe(earlier);
    expect(plan.liftChange?.to?.until).toBe(earlier);
  });

  it('lifts the embargo early (goes public now) when the lift it names has passed', () => {
    const result = run(
      [original, BEFORE],
      [upload(2, { embargo: { until: '2024-02-20T08:00:00Z' } }), BEFORE],
    );
    const plan = planOf(result);
    expect(plan.embargo).toBeNull();
    expect(plan.liftChange).toEqual({ from: expect.objectContaining({ until: LIFT }), to: null });
    expect(kinds(plan.effects)).toEqual(['unschedule', 'press', 'partners', 'release']);
  });

  it('reaches the earlier list selection and the new topics, and everyone sent revision 1', () => {
    const plan = planOf(run([original, BEFORE], [upload(2, { topics: ['education'] }), BEFORE]));
    expect(plan.effects[1]).toEqual({
      kind: 'press',
      type: 'corrected',
      topics: ['health', 'education'],
      holders: true,
    });
  });

  it('still reaches the journalists and partners who had revision 1 when its channels are off', () => {
    const result = run(
      [original, BEFORE],
      [upload(2, { channels: { press: false, partners: false } }), BEFORE],
    );
    const plan = planOf(result);
    expect(plan.effects).toContainEqual({
      kind: 'press',
      type: 'corrected',
      topics: ['health'],
      holders: true,
    });
    expect(plan.effects).toContainEqual({ kind: 'partners', type: 'statement.corrected' });
    expect(result.decision.warnings.map((w) => w.path)).toContain('channels');
  });
});

describe('a correction after the statement went public', () => {
  it('goes out at once to everyone and rebuilds the website', () => {
    const plan = planOf(run([upload(1), BEFORE], [upload(2), AFTER]));
    expect(plan.embargo).toBeNull();
    expect(kinds(plan.effects)).toEqual(['unschedule', 'press', 'partners', 'release']);
    expect(plan.effects.at(-1)).toEqual({ kind: 'release', partners: true, website: true });
  });

  it('ignores an embargo it names, with a warning (nothing can be un-published)', () => {
    const result = run(
      [upload(1), BEFORE],
      [upload(2, { embargo: { until: '2024-02-25T00:00:00Z' } }), AFTER],
    );
    expect(planOf(result).embargo).toBeNull();
    expect(result.decision.warnings[0]?.message).toMatch(/already public/);
  });

  it('treats a lift that has passed as public even if the release has not been recorded yet', () => {
    const plan = planOf(run([upload(1, { embargo: { until: LIFT } }), BEFORE], [upload(2), AFTER]));
    expect(plan.embargo).toBeNull();
    expect(kinds(plan.effects)).toContain('release');
  });
});

describe('a withdrawal', () => {
  const withdraw = (revision: number, extra: Partial<IncomingRevision> = {}) =>
    upload(revision, { status: 'withdraw', ...extra });

  it('of an embargoed statement: cancels the release, kill notice to holders, partners told; website untouched', () => {
    const plan = planOf(
      run([upload(1, { embargo: { until: LIFT } }), BEFORE], [withdraw(2), BEFORE]),
    );
    expect(plan.kind).toBe('withdrawn');
    expect(plan.effects).toEqual([
      { kind: 'unschedule', below: 2 },
      { kind: 'press', type: 'withdrawn', topics: null, holders: true },
      { kind: 'partners', type: 'statement.withdrawn' },
    ]);
  });

  it('of a released statement: also takes it off the website and out of published/', () => {
    const plan = planOf(run([upload(1), BEFORE], [withdraw(2), AFTER]));
    expect(plan.effects.at(-1)).toEqual({ kind: 'unpublish' });
  });

  it('ignores channels (every holder is told) and says so', () => {
    const result = run(
      [upload(1), BEFORE],
      [withdraw(2, { channels: { press: false, partners: false, website: false } }), AFTER],
    );
    expect(kinds(planOf(result).effects)).toEqual(['unschedule', 'press', 'partners', 'unpublish']);
    expect(result.decision.warnings[0]).toMatchObject({ path: 'channels' });
  });

  it('of a statement that reached nobody: only cancels', () => {
    const plan = planOf(
      run(
        [upload(1, { channels: { press: false, partners: false, website: false } }), BEFORE],
        [withdraw(2), BEFORE],
      ),
    );
    expect(plan.effects).toEqual([{ kind: 'unschedule', below: 2 }]);
  });

  it('is final: any later revision is refused with the advice to use a new id', () => {
    for (const later of [upload(3), withdraw(3)]) {
      const result = run([upload(1), BEFORE], [withdraw(2), BEFORE], [later, BEFORE]);
      expect(result.decision.verdict).toBe('refuse');
      if (result.decision.verdict === 'refuse') {
        expect(result.decision.issues[0]?.message).toMatch(/withdrawn in revision 2.*new id/);
      }
    }
  });

  it('of a statement Herald has never seen is refused', () => {
    const decision = decideUpload(null, withdraw(1), { now: BEFORE, defaultTimezone: TZ });
    expect(decision).toMatchObject({ verdict: 'refuse', issues: [{ path: 'status' }] });
  });
});

describe('refusals', () => {
  it('refuses a revision older than (or the same as) the one Herald has', () => {
    const older = run([upload(3), BEFORE], [upload(2), BEFORE]);
    expect(older.decision).toMatchObject({
      verdict: 'refuse',
      issues: [
        {
          path: 'revision',
          message: expect.stringMatching(/older than revision 3.*upload revision 4/),
        },
      ],
    });
    const same = run([upload(3), BEFORE], [upload(3), BEFORE]);
    expect(same.decision).toMatchObject({ verdict: 'refuse', issues: [{ path: 'revision' }] });
  });
});

describe('approval', () => {
  const approval = { withdrawals: 'immediate' as const };

  it('holds a publication for approval (only proofs go out) and keeps the plan approving would run', () => {
    const decision = decideUpload(null, upload(1), { now: BEFORE, defaultTimezone: TZ, approval });
    expect(decision).toMatchObject({ verdict: 'accept', next: 'await-approval' });
  });

  it('lets a withdrawal through at once unless withdrawals need approval too', () => {
    const head = run([upload(1), BEFORE]).head;
    const immediate = decideUpload(head, upload(2, { status: 'withdraw' }), {
      now: BEFORE,
      defaultTimezone: TZ,
      approval,
    });
    expect(immediate).toMatchObject({ verdict: 'accept', next: 'go' });
    const approved = decideUpload(head, upload(2, { status: 'withdraw' }), {
      now: BEFORE,
      defaultTimezone: TZ,
      approval: { withdrawals: 'approve' },
    });
    expect(approved).toMatchObject({ verdict: 'accept', next: 'await-approval' });
  });
});

describe('the fences', () => {
  const embargoed = run([upload(1, { embargo: { until: LIFT } }), BEFORE]).head;
  const corrected = run(
    [upload(1, { embargo: { until: LIFT } }), BEFORE],
    [upload(2), BEFORE],
  ).head;
  const withdrawn = run([upload(1), BEFORE], [upload(2, { status: 'withdraw' }), AFTER]).head;

  it('releases only the revision in force, only once its lift has passed', () => {
    expect(decideRelease(embargoed, 1, BEFORE)).toEqual({ action: 'wait', until: LIFT });
    expect(decideRelease(embargoed, 1, AFTER)).toEqual({
      action: 'release',
      partners: true,
      website: true,
    });
    expect(decideRelease(corrected, 1, AFTER)).toEqual({ action: 'skip', reason: 'superseded' });
    expect(decideRelease(corrected, 2, AFTER)).toMatchObject({ action: 'release' });
    expect(decideRelease(withdrawn, 1, AFTER)).toEqual({ action: 'skip', reason: 'withdrawn' });
    expect(decideRelease(null, 1, AFTER)).toEqual({ action: 'skip', reason: 'unknown-statement' });
    const released = embargoed && { ...embargoed, releasedRevision: 1 };
    expect(decideRelease(released, 1, AFTER)).toEqual({
      action: 'skip',
      reason: 'already-released',
    });
  });

  it('tells the website only about the revision in force, never going back', () => {
    const released = { type: 'statement.released' as const, revision: 1 };
    expect(decideWebsitePost(embargoed, null, released, AFTER)).toEqual({ post: true });
    expect(decideWebsitePost(embargoed, null, released, BEFORE)).toEqual({
      post: false,
      reason: 'not-public',
    });
    expect(decideWebsitePost(embargoed, 1, released, AFTER)).toEqual({
      post: false,
      reason: 'already-posted',
    });
    expect(decideWebsitePost(corrected, null, released, AFTER)).toEqual({
      post: false,
      reason: 'superseded',
    });
    expect(decideWebsitePost(withdrawn, null, released, AFTER)).toEqual({
      post: false,
      reason: 'withdrawn',
    });
    const takeDown = { type: 'statement.withdrawn' as const, revision: 2 };
    expect(decideWebsitePost(withdrawn, 1, takeDown, AFTER)).toEqual({ post: true });
    expect(decideWebsitePost(withdrawn, 2, released, AFTER)).toEqual({
      post: false,
      reason: 'newer-posted',
    });
  });

  it('lets press delivery of a revision go only while it is in force', () => {
    expect(decideDelivery(corrected, 2)).toBe('go');
    expect(decideDelivery(corrected, 1)).toBe('superseded');
    expect(decideDelivery(null, 1)).toBe('superseded');
  });
});

describe('properties over random sequences', () => {
  const start = Date.parse('2024-02-20T00:00:00Z');
  const hour = 3_600_000;
  /** An upload at some hour, with maybe an embargo some hours from the start, maybe a withdrawal. */
  const step = fc.record({
    at: fc.integer({ min: 0, max: 72 }),
    lift: fc.option(fc.integer({ min: 0, max: 96 }), { nil: undefined }),
    withdraw: fc.boolean(),
    revisionJump: fc.integer({ min: -1, max: 2 }),
  });

  it('never releases (or un-embargoes) while a lift named or inherited is still ahead', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 8 }), (steps) => {
        let head: LifecycleHead | null = null;
        let revision = 0;
        let time = 0;
        let liftInForce: number | null = null;
        for (const s of steps) {
          time = Math.max(time, s.at);
          revision = Math.max(1, revision + s.revisionJump);
          const now = new Date(start + time * hour);
          const incoming = upload(revision, {
            status: s.withdraw ? 'withdraw' : 'publish',
            ...(s.lift === undefined
              ? {}
              : { embargo: { until: new Date(start + s.lift * hour).toISOString() } }),
          });
          const { decision, head: next } = simulateUpload(head, incoming, {
            now,
            defaultTimezone: TZ,
          });
          if (decision.verdict === 'accept') {
            const { plan } = decision;
            const releasesNow = plan.effects.some((e) => e.kind === 'release');
            // A release now needs: no lift ahead in the plan, and an inherited lift only when unnamed.
            if (releasesNow) expect(plan.embargo).toBeNull();
            if (plan.embargo) expect(Date.parse(plan.embargo.until)).toBeGreaterThan(now.getTime());
            // Without naming an embargo, a correction cannot go public before an earlier lift.
            if (
              plan.kind === 'corrected' &&
              incoming.embargo === undefined &&
              liftInForce !== null &&
              liftInForce > now.getTime()
            ) {
              expect(plan.embargo?.until).toBe(new Date(liftInForce).toISOString());
            }
            liftInForce = plan.embargo ? Date.parse(plan.embargo.until) : null;
          }
          head = next;
        }
      }),
      { numRuns: 300, seed: 8 },
    );
  });

  it('after a withdrawal, refuses every later upload and plans no effect that is not a withdrawal notice', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 10 }), (steps) => {
        let head: LifecycleHead | null = null;
        let revision = 0;
        let withdrawn = false;
        for (const s of steps) {
          revision += 1;
          const incoming = upload(revision, { status: s.withdraw ? 'withdraw' : 'publish' });
          const { decision, head: next } = simulateUpload(head, incoming, {
            now: new Date(start + s.at * hour),
            defaultTimezone: TZ,
          });
          if (withdrawn) expect(decision.verdict).toBe('refuse');
          if (decision.verdict === 'accept' && incoming.status === 'withdraw') {
            withdrawn = true;
            for (const effect of decision.plan.effects) {
              expect(['unschedule', 'press', 'partners', 'unpublish']).toContain(effect.kind);
              if (effect.kind === 'press')
                expect(effect).toMatchObject({ type: 'withdrawn', topics: null });
              if (effect.kind === 'partners') expect(effect.type).toBe('statement.withdrawn');
            }
          }
          head = next;
        }
      }),
      { numRuns: 300, seed: 9 },
    );
  });
});

describe('awaiting approval', () => {
  const approval = { withdrawals: 'immediate' as const };
  const options = { now: BEFORE, defaultTimezone: TZ, approval };

  it('moves only the latest and awaiting revision; what is in force stays', () => {
    const first = run([upload(1), BEFORE]).head;
    const awaiting = simulateUpload(first, upload(2), options).head;
    expect(awaiting).toMatchObject({
      latestRevision: 2,
      awaitingRevision: 2,
      current: { revision: 1 },
      reached: first?.reached,
    });
    const none = headAwaiting(null, 'x', 1);
    expect(none).toMatchObject({ latestRevision: 1, awaitingRevision: 1, current: null });
  });

  it('lets a decision act only on the revision awaiting, and says why not otherwise', () => {
    const awaiting = simulateUpload(null, upload(1), options).head;
    expect(decideApproval(awaiting, 1)).toEqual({ act: true });
    const superseded = simulateUpload(awaiting, upload(2), options).head;
    expect(decideApproval(superseded, 1)).toEqual({ act: false, reason: 'superseded', by: 2 });
    expect(decideApproval(superseded, 2)).toEqual({ act: true });
    expect(decideApproval(superseded, 3)).toEqual({ act: false, reason: 'unknown' });
    expect(decideApproval(null, 1)).toEqual({ act: false, reason: 'unknown' });
    // A withdrawal under "immediate" goes ahead at once and ends the wait.
    const withdrawn = simulateUpload(superseded, upload(3, { status: 'withdraw' }), options).head;
    expect(withdrawn?.awaitingRevision).toBeNull();
    expect(decideApproval(withdrawn, 2)).toEqual({ act: false, reason: 'superseded', by: 3 });
  });
});
