/**
 * Model-based tests of the lifecycle over the whole pipeline (real handlers,
 * in-memory fakes; test/helpers/world.ts). fast-check generates sequences of
 * uploads (new, duplicate, correction with or without an embargo, withdrawal,
 * out-of-order revision), clock moves past lifts, deliveries, redeliveries of
 * any message, crashes after an effect, ambiguous SES answers and lost
 * schedules; a second property runs two ingests (and a release) at once with
 * every await an interleaving point; a third configures approval and adds
 * approvers approving or rejecting through the proof's links. After every step and at the end, the
 * invariants in docs/architecture.md ("Invariants") must hold.
 *
 * CI runs a bounded number of runs with a fixed seed; `HERALD_MODEL_RUNS=500
 * npx vitest run test/model` explores more (a failure prints its seed and the
 * shrunk command list, which replays it).
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import type { StatementInput } from '../../core/statement/schema';
import type { EmbargoInfo, RenderedEmail } from '../../core/types';
import type { Fault, Observed } from '../helpers/world';
import { World } from '../helpers/world';

// MJML is the slow part of ingest and renders the same few variants again and again here.
vi.mock('../../core/render/email', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../core/render/email')>();
  const cache = new Map<string, Promise<RenderedEmail>>();
  return {
    ...real,
    renderEmail: (
      statement: Parameters<typeof real.renderEmail>[0],
      embargo: EmbargoInfo | null,
    ) => {
      const key = JSON.stringify([statement, embargo]);
      let rendered = cache.get(key);
      if (!rendered) {
        rendered = real.renderEmail(statement, embargo);
        cache.set(key, rendered);
      }
      return rendered;
    },
  };
});

const RUNS = Number(process.env.HERALD_MODEL_RUNS ?? 60);
const SEED = process.env.HERALD_MODEL_SEED ? Number(process.env.HERALD_MODEL_SEED) : 20261127;
const HOUR = 3_600_000;
const START = '2024-02-20T09:00:00Z';

const BASE: StatementInput = (() => {
  const sample = JSON.parse(
    readFileSync(
      new URL('../../examples/statements/01-bscp-serious-case-review.json', import.meta.url),
      'utf8',
    ),
  ) as StatementInput & { embargo?: unknown };
  const { embargo: _embargo, ...rest } = sample;
  return rest;
})();
const ID = BASE.id;

// ── The model ────────────────────────────────────────────────────────────────

type EmbargoChoice = { kind: 'none' } | { kind: 'ahead'; hours: number } | { kind: 'passed' };

interface UploadSpec {
  /** Relative to the latest accepted revision. */
  revision: 'next' | 'skip' | 'same' | 'older';
  status: 'publish' | 'withdraw';
  embargo: EmbargoChoice;
  /** The headline differs, so `same` is a conflict, not a duplicate. */
  variant: number;
  /** One channel turned off in the file, or none. */
  off: 'press' | 'partners' | 'website' | null;
}

interface Model {
  now: number;
  /** Highest accepted revision (0: none). */
  latest: number;
  withdrawn: boolean;
  /** The lift in force for the latest accepted revision; null: public once accepted. */
  lift: number | null;
  /** The latest accepted revision's own channels.website. */
  latestWebsite: boolean;
  /** Seq of the observation log when the withdrawal was accepted. */
  withdrawnAfterSeq: number | null;
  /** Uploads so far and what the model decided. */
  uploads: Array<{ statement: StatementInput; accepted: boolean }>;
  /** Log position already checked. */
  checkedSeq: number;
}

function statementFor(model: Model, spec: UploadSpec): StatementInput {
  const offsets = { next: 1, skip: 2, same: 0, older: -1 };
  const revision = Math.max(1, model.latest + offsets[spec.revision]);
  const embargo =
    spec.embargo.kind === 'none'
      ? undefined
      : {
          until: new Date(
            spec.embargo.kind === 'passed'
              ? model.now - HOUR
              : model.now + spec.embargo.hours * HOUR,
          ).toISOString(),
        };
  return {
    ...BASE,
    revision,
    headline: `${BASE.headline} (${spec.variant})`,
    ...(revision > 1 && spec.status === 'publish'
      ? { correction: `Version ${spec.variant}.` }
      : {}),
    ...(spec.status === 'withdraw'
      ? { status: 'withdraw', withdrawalReason: 'Issued in error.' }
      : {}),
    ...(embargo ? { embargo } : {}),
    ...(spec.off ? { channels: { [spec.off]: false } } : {}),
  };
}

/** The rules, restated as simply as possible (the implementation is core/lifecycle). */
function decide(model: Model, statement: StatementInput): { accept: boolean; lift: number | null } {
  const revision = statement.revision ?? 1;
  if (model.withdrawn || revision <= model.latest) return { accept: false, lift: model.lift };
  if (statement.status === 'withdraw') return { accept: model.latest > 0, lift: null };
  const named = statement.embargo ? Date.parse(statement.embargo.until) : null;
  const namedAhead = named !== null && named > model.now ? named : null;
  if (model.latest === 0) return { accept: true, lift: namedAhead };
  const inForce = model.lift !== null && model.lift > model.now ? model.lift : null;
  if (inForce === null) return { accept: true, lift: null };
  return { accept: true, lift: named === null ? inForce : namedAhead };
}

function isPublicAt(model: Model, at: number): boolean {
  return model.latest > 0 && !model.withdrawn && (model.lift === null || at >= model.lift);
}

/** What a person or partner sees that makes the statement public. */
function makesPublic(o: Observed): boolean {
  switch (o.kind) {
    case 'website':
      return o.type === 'statement.released';
    case 'latest':
      return o.latest.status === 'released';
    case 'partner':
      return o.type === 'statement.released' || (o.content && !o.embargoed);
    default:
      return false;
  }
}

/** An observation without the message body, for failure messages. */
function brief(o: Observed): string {
  const { body: _body, ...rest } = o as Observed & { body?: string };
  return JSON.stringify(rest);
}

/** The invariants on what happened since the last check. */
function checkSteps(model: Model, world: World): void {
  const fresh = world.log.filter((o) => o.seq > model.checkedSeq);
  for (const o of fresh) {
    if (makesPublic(o)) {
      expect(isPublicAt(model, o.at), `public before the lift: ${brief(o)}`).toBe(true);
    }
    if (model.withdrawnAfterSeq !== null && o.seq > model.withdrawnAfterSeq) {
      const notice =
        (o.kind === 'partner' && o.type === 'statement.withdrawn') ||
        (o.kind === 'website' && o.type === 'statement.withdrawn') ||
        (o.kind === 'latest' && o.latest.status === 'withdrawn') ||
        (o.kind === 'email' && o.revision === model.latest);
      expect(notice, `after the withdrawal: ${brief(o)}`).toBe(true);
      if (o.kind === 'partner') expect(o.content).toBe(false);
    }
  }
  model.checkedSeq = world.log.at(-1)?.seq ?? model.checkedSeq;
}

/** The invariants once everything has settled (every lift passed, the sweep run). */
function checkSettled(model: Model, world: World): void {
  const emails = world.observed('email').filter((e) => e.id === ID);
  // No journalist gets the same revision twice, unless a crash or an ambiguous SES answer could cause it.
  const perRevision = new Map<string, number>();
  for (const e of emails)
    perRevision.set(`${e.to}#${e.revision}`, (perRevision.get(`${e.to}#${e.revision}`) ?? 0) + 1);
  const duplicates = [...perRevision.values()].reduce((n, count) => n + (count - 1), 0);
  expect(duplicates, 'duplicate emails without an injected fault').toBeLessThanOrEqual(
    world.duplicatesAllowed,
  );

  const holders = new Set(
    emails.filter((e) => e.revision !== model.latest || !model.withdrawn).map((e) => e.to),
  );
  if (model.withdrawn) {
    // Every journalist who received any revision receives the kill notice (once, bar faults).
    const kills = new Map<string, number>();
    for (const e of emails.filter((x) => x.revision === model.latest))
      kills.set(e.to, (kills.get(e.to) ?? 0) + 1);
    for (const to of holders)
      expect(kills.get(to) ?? 0, `kill notice for ${to}`).toBeGreaterThanOrEqual(1);
  } else if (model.latest > 0) {
    // Every journalist who holds a text ends with the latest revision.
    const latestOf = new Map<string, number>();
    for (const e of emails) latestOf.set(e.to, Math.max(latestOf.get(e.to) ?? 0, e.revision));
    for (const [to, revision] of latestOf)
      expect(revision, `latest text for ${to}`).toBe(model.latest);
  }

  // The website never goes back, and ends where the head is.
  const hooks = world.observed('website');
  const revisions = hooks.map((h) => h.revision);
  expect(revisions).toEqual([...revisions].sort((a, b) => a - b));
  const latestFile = world.observed('latest').at(-1)?.latest ?? null;
  if (model.withdrawn) {
    if (hooks.some((h) => h.type === 'statement.released')) {
      expect(hooks.at(-1)).toMatchObject({ type: 'statement.withdrawn', revision: model.latest });
      expect(latestFile).toMatchObject({ status: 'withdrawn', revision: model.latest });
    }
  } else if (model.latest > 0) {
    // Once the website had the statement it hears about every revision; before that, the
    // latest revision's own channels decide.
    const websiteOn = hooks.some((h) => h.type === 'statement.released') || model.latestWebsite;
    if (websiteOn) {
      expect(hooks.at(-1)).toMatchObject({ type: 'statement.released', revision: model.latest });
      expect(latestFile).toMatchObject({ status: 'released', revision: model.latest });
    } else {
      expect(hooks).toEqual([]);
    }
  }

  // Partners: never an older revision after a newer one, nothing after statement.withdrawn.
  for (const partner of ['everything', 'released-only', 'public-only']) {
    const seen = world.observed('partner').filter((p) => p.partner === partner);
    const order = seen.map((p) => p.revision);
    expect(order, `partner ${partner} order`).toEqual([...order].sort((a, b) => a - b));
    const withdrawnAt = seen.findIndex((p) => p.type === 'statement.withdrawn');
    if (withdrawnAt !== -1) {
      expect(seen.slice(withdrawnAt + 1).every((p) => p.type === 'statement.withdrawn')).toBe(true);
    }
  }
}

// ── Commands ────────────────────────────────────────────────────────────────

type Cmd = fc.AsyncCommand<Model, World>;

class Upload implements Cmd {
  constructor(readonly spec: UploadSpec) {}
  check = () => true;
  async run(model: Model, world: World) {
    model.now = world.now;
    const statement = statementFor(model, this.spec);
    const same = model.uploads.find(
      (u) => u.accepted && JSON.stringify(u.statement) === JSON.stringify(statement),
    );
    const outcome = await world.upload(statement);
    if (same) {
      // The same file again: a duplicate, nothing sent again.
      expect(outcome?.outcome).toBe('duplicate');
      model.uploads.push({ statement, accepted: true });
      checkSteps(model, world);
      return;
    }
    const expected = decide(model, statement);
    model.uploads.push({ statement, accepted: expected.accept });
    expect(outcome?.outcome === 'rejected', `verdict for ${this.toString()}`).toBe(
      !expected.accept,
    );
    if (expected.accept) accepted(model, statement, expected.lift);
    model.now = world.now;
    checkSteps(model, world);
  }
  toString = () => `upload(${JSON.stringify(this.spec)})`;
}

function accepted(model: Model, statement: StatementInput, lift: number | null) {
  model.latest = statement.revision ?? 1;
  model.lift = lift;
  model.latestWebsite = statement.channels?.website !== false;
  if (statement.status === 'withdraw') {
    model.withdrawn = true;
    // From the withdrawal's own processing on (this command), only withdrawal notices.
    model.withdrawnAfterSeq = model.checkedSeq;
  }
}

class RedeliverUpload implements Cmd {
  constructor(readonly pick: number) {}
  check = (model: Readonly<Model>) => model.uploads.length > 0;
  async run(model: Model, world: World) {
    model.now = world.now;
    const index = this.pick % model.uploads.length;
    const upload = model.uploads[index];
    if (!upload) return;
    const expected = upload.accepted ? null : decide(model, upload.statement);
    const outcome = await world.redeliverUpload(index + 1);
    if (upload.accepted) {
      expect(outcome?.outcome).not.toBe('rejected');
    } else if (expected) {
      expect(outcome?.outcome === 'rejected').toBe(!expected.accept);
      if (expected.accept) {
        upload.accepted = true;
        accepted(model, upload.statement, expected.lift);
      }
    }
    model.now = world.now;
    checkSteps(model, world);
  }
  toString = () => `redeliverUpload(${this.pick})`;
}

class Advance implements Cmd {
  constructor(readonly hours: number) {}
  check = () => true;
  async run(model: Model, world: World) {
    await world.advance(this.hours * HOUR);
    await world.pump();
    model.now = world.now;
    checkSteps(model, world);
  }
  toString = () => `advance(${this.hours}h)`;
}

class Pump implements Cmd {
  constructor(readonly only: 'press' | 'sends' | 'website' | undefined) {}
  check = () => true;
  async run(model: Model, world: World) {
    await world.pump(this.only);
    model.now = world.now;
    checkSteps(model, world);
  }
  toString = () => `pump(${this.only ?? 'all'})`;
}

class Redeliver implements Cmd {
  constructor(readonly queue: 'press' | 'sends' | 'website') {}
  check = () => true;
  async run(model: Model, world: World) {
    world.redeliverLast(this.queue);
    await world.pump(this.queue);
    model.now = world.now;
    checkSteps(model, world);
  }
  toString = () => `redeliver(${this.queue})`;
}

class Inject implements Cmd {
  constructor(readonly fault: Fault) {}
  check = () => true;
  async run(_model: Model, world: World) {
    world.faults.push(this.fault);
  }

  toString = () => `inject(${JSON.stringify(this.fault)})`;
}

class LoseSchedules implements Cmd {
  check = () => true;
  async run(_model: Model, world: World) {
    world.loseSchedules();
  }
  toString = () => 'loseSchedules()';
}

const embargoChoice: fc.Arbitrary<EmbargoChoice> = fc.oneof(
  { arbitrary: fc.constant({ kind: 'none' as const }), weight: 2 },
  {
    arbitrary: fc.integer({ min: 1, max: 30 }).map((hours) => ({ kind: 'ahead' as const, hours })),
    weight: 2,
  },
  { arbitrary: fc.constant({ kind: 'passed' as const }), weight: 1 },
);

const upload = fc
  .record({
    revision: fc.constantFrom('next', 'next', 'next', 'next', 'next', 'skip', 'same', 'older'),
    status: fc.constantFrom('publish', 'publish', 'publish', 'publish', 'withdraw'),
    embargo: embargoChoice,
    variant: fc.integer({ min: 1, max: 3 }),
    off: fc.oneof(
      { arbitrary: fc.constant(null), weight: 3 },
      {
        arbitrary: fc.constantFrom('press' as const, 'partners' as const, 'website' as const),
        weight: 1,
      },
    ),
  })
  .map((spec) => new Upload(spec as UploadSpec));
const advance = fc.integer({ min: 1, max: 30 }).map((h) => new Advance(h));
const pump = fc
  .constantFrom(undefined, 'press' as const, 'sends' as const, 'website' as const)
  .map((q) => new Pump(q));
const fault = fc
  .oneof(
    fc
      .constantFrom('press' as const, 'partners' as const, 'website' as const, 'ops' as const)
      .map((topic): Fault => ({ on: 'publish', topic, crash: true })),
    fc
      .constantFrom('press' as const, 'partners' as const, 'website' as const)
      .map((topic): Fault => ({ on: 'publish', topic, crash: false })),
    fc
      .constantFrom('throttle' as const, 'ambiguous-accepted' as const, 'ambiguous-lost' as const)
      .map((kind): Fault => ({ on: 'ses', kind })),
    fc.constant<Fault>({ on: 'website', status: 503 }),
  )
  .map((f) => new Inject(f));

/** Uploads weigh most: a statement's story is its revisions; the rest are what befalls them. */
const commands = fc.commands<Model, World, false>(
  [
    upload,
    upload,
    upload,
    upload,
    advance,
    advance,
    pump,
    pump,
    fault,
    fc.nat().map((n) => new RedeliverUpload(n)),
    fc
      .constantFrom('press' as const, 'sends' as const, 'website' as const)
      .map((q) => new Redeliver(q)),
    fc.constant(new LoseSchedules()),
  ],
  { maxCommands: 16, size: '+1' },
);

function freshModel(world: World): Model {
  return {
    now: world.now,
    latest: 0,
    withdrawn: false,
    lift: null,
    latestWebsite: true,
    withdrawnAfterSeq: null,
    uploads: [],
    checkedSeq: 0,
  };
}

describe('the lifecycle against a model', () => {
  it('keeps every invariant over random sequences of uploads, clock moves, redeliveries and crashes', async () => {
    await fc.assert(
      // Every story starts with the statement itself.
      fc.asyncProperty(upload, commands, async (first, cmds) => {
        const world = new World(START);
        const model = freshModel(world);
        await fc.asyncModelRun(() => ({ model, real: world }), [first, ...cmds]);
        // Past every lift (the latest is at most 30 hours after the last upload), even one
        // whose schedule was lost: the sweep must release it.
        await world.advance(31 * HOUR);
        await world.drain({ pastLifts: true });
        // Draining moved the clock past every lift: the model's lift has passed too.
        model.now = world.now;
        checkSteps(model, world);
        checkSettled(model, world);
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
  }, 600_000);

  it('keeps them when two uploads (and a release) run at once, in every order fast-check picks', async () => {
    type Race = 'correction' | 'withdrawal' | 'later-lift' | 'release';
    const racer = fc.constantFrom<Race>('correction', 'withdrawal', 'later-lift', 'release');
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), racer, racer, fc.boolean(), async (s, a, b, embargoed) => {
        const world = new World(START, { retryAdvanceMs: 0 });
        const model = freshModel(world);
        const first: StatementInput = embargoed
          ? { ...BASE, embargo: { until: new Date(world.now + 15 * HOUR).toISOString() } }
          : BASE;
        await world.upload(first);
        await world.pump('press');
        const lift = embargoed ? world.now + 15 * HOUR : null;
        const variants: Record<Exclude<Race, 'release'>, (revision: number) => StatementInput> = {
          correction: (revision) => ({ ...BASE, revision, correction: 'Fixed a typo.' }),
          withdrawal: (revision) => ({
            ...BASE,
            revision,
            status: 'withdraw',
            withdrawalReason: 'Issued in error.',
          }),
          'later-lift': (revision) => ({
            ...BASE,
            revision,
            correction: 'Later lift.',
            embargo: { until: new Date(world.now + 30 * HOUR).toISOString() },
          }),
        };
        if (a === 'release' || b === 'release') {
          // The release fires at the lift while the other uploads race it.
          world.clock.set(new Date((lift ?? world.now) + 1_000));
        }
        world.dynamo.table.gate = () => s.schedule(Promise.resolve(), 'dynamodb');
        const racing = [a, b].map((race, i) =>
          race === 'release' ? world.fireDue() : world.upload(variants[race](i + 2)),
        );
        await s.waitFor(Promise.all(racing));
        world.dynamo.table.gate = null;
        await world.drain({ pastLifts: true });

        // The model learns what was accepted (either order is legitimate); the invariants must hold.
        const outcomes = world.outcomes.filter(
          (o) => o.outcome !== 'rejected' && o.outcome !== 'duplicate',
        );
        const last = outcomes.reduce((m, o) => Math.max(m, o.revision ?? 0), 0);
        model.latest = last;
        model.withdrawn = outcomes.some((o) => o.outcome === 'withdrawn');
        model.lift = null;
        model.now = world.now;
        checkSettled(model, world);
        // A withdrawal, once accepted, is the last thing partners and the website hear.
        if (model.withdrawn) {
          const afterWithdrawal = world
            .observed('partner')
            .filter((p) => p.partner === 'everything')
            .map((p) => p.type);
          expect(afterWithdrawal.at(-1)).toBe('statement.withdrawn');
        }
      }),
      { numRuns: RUNS, seed: SEED + 1, endOnFailure: true },
    );
  }, 600_000);
});

// ── With approval configured ───────────────────────────────────────────────

/**
 * The same pipeline with `approval` configured (one approval needed, withdrawals at
 * once): uploads await approval, approvers approve or reject through the proof's links
 * (the real approval endpoint), clocks move past lifts. Nothing of a revision that did
 * not go ahead ever reaches anyone, and once settled the invariants above hold for the
 * revisions that did.
 */
interface ApprovalModel {
  /** Highest revision Herald accepted (awaiting, approved, rejected or withdrawn). */
  latest: number;
  /** The revision awaiting approval, if any. */
  awaiting: number | null;
  /** Revisions that went ahead (approved, or a withdrawal at once). */
  goneAhead: number[];
  withdrawn: boolean;
}

type ApprovalCmd = fc.AsyncCommand<ApprovalModel, World>;
const APPROVERS = [
  { email: 'sam.head@example.org', name: 'Sam Head' },
  { email: 'ola.duty@example.org', name: 'Ola Duty' },
];

class UploadForApproval implements ApprovalCmd {
  constructor(
    readonly status: 'publish' | 'withdraw',
    readonly embargo: EmbargoChoice,
  ) {}
  check = () => true;
  async run(model: ApprovalModel, world: World) {
    const revision = model.latest + 1;
    const base = statementFor({ now: world.now, latest: model.latest } as Model, {
      revision: 'next',
      status: this.status,
      embargo: this.embargo,
      variant: revision,
      off: null,
    });
    const outcome = await world.upload({ ...base, revision });
    const refused = model.withdrawn || (this.status === 'withdraw' && model.latest === 0);
    if (refused) {
      expect(outcome?.outcome).toBe('rejected');
      return;
    }
    model.latest = revision;
    if (this.status === 'withdraw') {
      expect(outcome?.outcome).toBe('withdrawn');
      model.withdrawn = true;
      model.awaiting = null;
      model.goneAhead.push(revision);
    } else {
      expect(outcome?.outcome).toBe('awaiting-approval');
      model.awaiting = revision;
    }
  }
  toString = () => `upload(${this.status}, ${JSON.stringify(this.embargo)})`;
}

class Decide implements ApprovalCmd {
  constructor(
    readonly approver: number,
    readonly approve: boolean,
  ) {}
  check = (model: Readonly<ApprovalModel>) => model.awaiting !== null;
  async run(model: ApprovalModel, world: World) {
    const revision = model.awaiting ?? 0;
    const who = APPROVERS[this.approver % APPROVERS.length]?.email ?? '';
    const links = await world.proofLinks(who, ID, revision);
    const before = world.log.length;
    const page = await world.follow(
      this.approve ? links.approve : links.reject,
      'POST',
      this.approve ? {} : { reason: 'Not yet.' },
    );
    expect(page.statusCode).toBe(200);
    await world.pump();
    model.awaiting = null;
    if (this.approve) {
      model.goneAhead.push(revision);
      expect(world.outcomes.at(-1)).toMatchObject({
        revision,
        outcome: expect.stringMatching(/^(published|corrected)$/),
      });
    } else {
      expect(world.outcomes.at(-1)).toMatchObject({ revision, outcome: 'rejected' });
      expect(world.log.length).toBe(before);
    }
  }
  toString = () => `${this.approve ? 'approve' : 'reject'}(${this.approver})`;
}

class AdvanceApproval implements ApprovalCmd {
  constructor(readonly hours: number) {}
  check = () => true;
  async run(_model: ApprovalModel, world: World) {
    await world.advance(this.hours * HOUR);
    await world.pump();
  }
  toString = () => `advance(${this.hours}h)`;
}

const approvalCommands = fc.commands<ApprovalModel, World, false>(
  [
    fc
      .record({
        status: fc.constantFrom(
          'publish' as const,
          'publish' as const,
          'publish' as const,
          'withdraw' as const,
        ),
        embargo: embargoChoice,
      })
      .map((u) => new UploadForApproval(u.status, u.embargo)),
    fc.tuple(fc.nat({ max: 1 }), fc.boolean()).map(([i, ok]) => new Decide(i, ok)),
    fc.tuple(fc.nat({ max: 1 }), fc.constant(true)).map(([i, ok]) => new Decide(i, ok)),
    fc.integer({ min: 1, max: 30 }).map((h) => new AdvanceApproval(h)),
  ],
  { maxCommands: 12, size: '+1' },
);

describe('the lifecycle with approval, against a model', () => {
  it('sends nothing of a revision that did not go ahead, and keeps every invariant for those that did', async () => {
    await fc.assert(
      fc.asyncProperty(approvalCommands, async (cmds) => {
        const world = new World(START, { approval: { approvers: APPROVERS } });
        const model: ApprovalModel = { latest: 0, awaiting: null, goneAhead: [], withdrawn: false };
        await fc.asyncModelRun(() => ({ model, real: world }), cmds);
        await world.advance(31 * HOUR);
        await world.drain({ pastLifts: true });

        const revisionsSeen = world.log.flatMap((o) =>
          o.kind === 'latest' ? [o.latest.revision] : [o.revision],
        );
        for (const revision of revisionsSeen) expect(model.goneAhead).toContain(revision);
        const settled: Model = {
          ...freshModel(world),
          latest: model.goneAhead.at(-1) ?? 0,
          withdrawn: model.withdrawn,
        };
        checkSettled(settled, world);
      }),
      { numRuns: Math.max(10, Math.floor(RUNS / 2)), seed: SEED + 2, endOnFailure: true },
    );
  }, 600_000);
});
