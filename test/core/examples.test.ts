/**
 * The examples are documentation a comms officer copies from: every valid one
 * must stay valid, and every invalid one must fail for the rule it is named after.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { simulateUpload } from '../../core/lifecycle';
import { parseStatement } from '../../core/statement/parse';

const root = join(import.meta.dirname, '..', '..', 'examples');
const read = (...parts: string[]) => readFileSync(join(root, ...parts));
const beforeFirstLift = new Date('2024-02-20T12:00:00Z');

interface ValidCase {
  id: string;
  revision: number;
  status: 'publish' | 'withdraw';
  /** Embargo display at 2024-02-20T12:00:00Z, or null when not embargoed then. */
  embargo: string | null;
}

const VALID: Record<string, ValidCase> = {
  '01-bscp-serious-case-review.json': {
    id: 'bscp-2024-02-scr',
    revision: 1,
    status: 'publish',
    embargo: '00:01 GMT, Wednesday 21 February 2024',
  },
  '02-westmere-council-winter-gritting.json': {
    id: 'westmere-2024-02-gritting',
    revision: 1,
    status: 'publish',
    embargo: null,
  },
  '03-westmere-nhs-family-hub-media-advisory.json': {
    id: 'wdnhs-2031-06-family-hub',
    revision: 1,
    status: 'publish',
    embargo: '10:00 BST, Tuesday 10 June 2031',
  },
  '04-glanyrafon-llyfrgelloedd-cy.json': {
    id: 'glanyrafon-2024-02-llyfrgelloedd',
    revision: 1,
    status: 'publish',
    embargo: null,
  },
  '05-bscp-serious-case-review-correction.json': {
    id: 'bscp-2024-02-scr',
    revision: 2,
    status: 'publish',
    embargo: null,
  },
  '06-wdnhs-family-hub-withdrawn.json': {
    id: 'wdnhs-2031-06-family-hub',
    revision: 2,
    status: 'withdraw',
    embargo: null,
  },
  '07-bscp-serious-case-review-lift-moved.json': {
    id: 'bscp-2024-02-scr',
    revision: 3,
    status: 'publish',
    embargo: '10:00 GMT, Wednesday 21 February 2024',
  },
  '08-westmere-council-winter-gritting-withdrawn.json': {
    id: 'westmere-2024-02-gritting',
    revision: 2,
    status: 'withdraw',
    embargo: null,
  },
};

/** file → [path of an expected error, what its message says]. */
const INVALID: Record<string, [string, RegExp]> = {
  'bad-id.json': ['id', /lower-case letters, digits and dashes/],
  'bad-timezone.json': ['embargo.timezone', /IANA time zone/],
  'correction-missing.json': ['correction', /needs "correction"/],
  'deep-nesting.json': ['', /^line 16, column 44: .*nested more than 32 levels/],
  'embargo-without-offset.json': ['embargo.until', /time zone offset/],
  'empty.json': ['', /The file is empty/],
  'headline-control-character.json': ['headline', /invisible control character \(U\+000B\)/],
  'headline-line-break.json': ['headline', /on one line/],
  'headline-too-long.json': ['headline', /140 characters or fewer/],
  'http-link.json': ['links.0.url', /starting with https:\/\//],
  'impossible-date.json': ['issued', /real calendar date/],
  'javascript-link.json': ['links.0.url', /starting with https:\/\//],
  'json-syntax-error.json': ['', /^line 9, column 3: a comma is missing at the end of line 8/],
  'media-contact-unreachable.json': ['mediaContact', /email or a phone number/],
  'missing-required-fields.json': ['body', /^body is required: add "body"/],
  'not-utf8.json': ['', /^line 10, column 15: the file is not valid UTF-8/],
  'proto-key.json': ['__proto__', /Unknown field "__proto__"/],
  'root-is-array.json': ['', /one JSON object.*a list/],
  'too-large.json': ['', /largest statement Herald accepts is 256 KB/],
  'too-many-links.json': ['links', /at most 10 links/],
  'unknown-field-typo.json': ['headlin', /did you mean "headline"\?/],
  'utf16.json': ['', /saved as UTF-16.*save it as UTF-8/],
  'withdraw-without-reason.json': ['withdrawalReason', /needs "withdrawalReason"/],
};

describe('examples/statements', () => {
  const files = readdirSync(join(root, 'statements')).filter((f) => f.endsWith('.json'));

  it('has an expectation for every file', () => {
    expect(files.sort()).toEqual(Object.keys(VALID).sort());
  });

  it.each(Object.entries(VALID))('%s is valid', (file, expected) => {
    const result = parseStatement(read('statements', file), { now: beforeFirstLift });
    if (!result.ok) throw new Error(`${file}: ${JSON.stringify(result.errors, null, 2)}`);
    expect(result.warnings).toEqual([]);
    expect(result.statement.id).toBe(expected.id);
    expect(result.statement.revision).toBe(expected.revision);
    expect(result.statement.status).toBe(expected.status);
    expect(result.embargo?.display ?? null).toBe(expected.embargo);
    expect(result.statement.$schema).toBe('../../schemas/statement.schema.json');
  });

  it('01 is the founding sample: once its embargo has passed it warns and goes out at once', () => {
    const now = new Date('2024-02-21T00:01:00Z');
    const result = parseStatement(read('statements', '01-bscp-serious-case-review.json'), { now });
    if (!result.ok) throw new Error('01 must be valid');
    const { decision } = simulateUpload(null, result.statement, {
      now,
      defaultTimezone: 'Europe/London',
    });
    if (decision.verdict !== 'accept') throw new Error('01 must be accepted');
    expect(decision.plan.embargo).toBeNull();
    expect(decision.plan.effects.map((e) => e.kind)).toContain('release');
    expect(decision.warnings.map((w) => w.path)).toEqual(['embargo.until']);
  });

  it('01 keeps every section of the seed', () => {
    const result = parseStatement(read('statements', '01-bscp-serious-case-review.json'), {
      now: beforeFirstLift,
    });
    if (!result.ok) throw new Error('01 must be valid');
    const s = result.statement;
    expect(s.reference).toBe('BSCB 2018-19/01');
    expect(s.kind).toBe('partnership-statement');
    expect(s.issued).toBe('2024-02-21');
    expect(s.subheading).toBe(
      'The importance of early planning and continuity of care for children with complex health needs',
    );
    expect(s.body).toContain(
      'Developments include:\n\n- Revised National Asylum-Seeking Support Services;',
    );
    expect(s.body).toContain(
      '- Publication of a Birmingham Childhood Neglect Strategy and Delivery Plan;',
    );
    expect(s.body).toContain(
      'the long-term continuity of care for a child with complex health needs',
    );
    expect(s.signoff).toEqual({ name: 'Penny Thompson CBE', role: 'Independent Chair BSCP' });
    expect(s.callout).toContain('0121 303 1888');
    expect(s.notesToEditors).toContain(
      '(<https://lscpbirmingham.org.uk/case-reviews-and-audits/learning-from-reviews>)',
    );
    expect(s.notesToEditors).toContain('National Case Review Repository hosted by the NSPCC');
    expect(s.mediaContact).toEqual({
      name: 'Lawrence Vos',
      role: 'Communications Manager',
      email: 'lawrence.vos@birminghamchildrenstrust.co.uk',
      phone: '07470 081457',
    });
    expect(s.organisation.website).toBe('https://www.lscpbirmingham.org.uk');
  });

  it('05 corrects 01 and 06 withdraws 03', () => {
    const parsed = (file: string) => {
      const r = parseStatement(read('statements', file), { now: beforeFirstLift });
      if (!r.ok) throw new Error(`${file} must be valid`);
      return r.statement;
    };
    expect(parsed('05-bscp-serious-case-review-correction.json').correction).toMatch(
      /BSCB 2018-19\/01/,
    );
    expect(parsed('06-wdnhs-family-hub-withdrawn.json').withdrawalReason).toMatch(/postponed/);
    expect(parsed('04-glanyrafon-llyfrgelloedd-cy.json').language).toBe('cy');
  });

  it('uploaded in order before the first lift, the examples teach the lifecycle without a warning that is not meant', () => {
    const files = Object.keys(VALID).sort();
    const heads = new Map<string, Parameters<typeof simulateUpload>[0]>();
    const story = files.map((file) => {
      const result = parseStatement(read('statements', file), { now: beforeFirstLift });
      if (!result.ok) throw new Error(`${file} must be valid`);
      const { decision, head } = simulateUpload(
        heads.get(result.statement.id) ?? null,
        result.statement,
        { now: beforeFirstLift, defaultTimezone: 'Europe/London' },
      );
      heads.set(result.statement.id, head);
      if (decision.verdict !== 'accept') throw new Error(`${file} must be accepted`);
      const { plan, warnings } = decision;
      return {
        file,
        kind: plan.kind,
        embargo: plan.embargo?.display ?? null,
        inheritedFrom: plan.inheritedFrom,
        liftMovedFrom: plan.liftChange?.from.display ?? null,
        effects: plan.effects.map((e) => e.kind),
        warnings: warnings.map((w) => w.path),
      };
    });
    expect(story).toEqual([
      {
        file: '01-bscp-serious-case-review.json',
        kind: 'published',
        embargo: '00:01 GMT, Wednesday 21 February 2024',
        inheritedFrom: null,
        liftMovedFrom: null,
        effects: ['press', 'partners', 'schedule'],
        warnings: [],
      },
      {
        file: '02-westmere-council-winter-gritting.json',
        kind: 'published',
        embargo: null,
        inheritedFrom: null,
        liftMovedFrom: null,
        effects: ['press', 'partners', 'release'],
        warnings: [],
      },
      {
        file: '03-westmere-nhs-family-hub-media-advisory.json',
        kind: 'published',
        embargo: '10:00 BST, Tuesday 10 June 2031',
        inheritedFrom: null,
        liftMovedFrom: null,
        effects: ['press', 'partners', 'schedule'],
        warnings: [],
      },
      {
        file: '04-glanyrafon-llyfrgelloedd-cy.json',
        kind: 'published',
        embargo: null,
        inheritedFrom: null,
        liftMovedFrom: null,
        effects: ['press', 'partners', 'release'],
        warnings: [],
      },
      // The correction names no embargo: it keeps revision 1's (the warning says so).
      {
        file: '05-bscp-serious-case-review-correction.json',
        kind: 'corrected',
        embargo: '00:01 GMT, Wednesday 21 February 2024',
        inheritedFrom: 1,
        liftMovedFrom: null,
        effects: ['unschedule', 'press', 'partners', 'schedule'],
        warnings: ['embargo'],
      },
      // Kill notices to everyone who had the advisory; nothing was public, so no website.
      {
        file: '06-wdnhs-family-hub-withdrawn.json',
        kind: 'withdrawn',
        embargo: null,
        inheritedFrom: null,
        liftMovedFrom: null,
        effects: ['unschedule', 'press', 'partners'],
        warnings: [],
      },
      {
        file: '07-bscp-serious-case-review-lift-moved.json',
        kind: 'corrected',
        embargo: '10:00 GMT, Wednesday 21 February 2024',
        inheritedFrom: null,
        liftMovedFrom: '00:01 GMT, Wednesday 21 February 2024',
        effects: ['unschedule', 'press', 'partners', 'schedule'],
        warnings: ['embargo.until'],
      },
      // Released at once by 02, so the withdrawal takes it off the website too.
      {
        file: '08-westmere-council-winter-gritting-withdrawn.json',
        kind: 'withdrawn',
        embargo: null,
        inheritedFrom: null,
        liftMovedFrom: null,
        effects: ['unschedule', 'press', 'partners', 'unpublish'],
        warnings: [],
      },
    ]);
  });
});

describe('examples/invalid', () => {
  const files = readdirSync(join(root, 'invalid')).filter((f) => f !== 'README.md');

  it('has an expectation for every file, and the README lists them all', () => {
    expect(files.sort()).toEqual(Object.keys(INVALID).sort());
    const readme = read('invalid', 'README.md').toString();
    for (const file of files) expect(readme).toContain(`\`${file}\``);
  });

  it.each(Object.entries(INVALID))('%s is rejected', (file, [path, message]) => {
    const result = parseStatement(read('invalid', file), { now: beforeFirstLift });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const match = result.errors.find((e) => e.path === path);
    expect(match, JSON.stringify(result.errors, null, 2)).toBeDefined();
    expect(match?.message).toMatch(message);
  });

  it('proto-key.json leaves Object.prototype alone', () => {
    parseStatement(read('invalid', 'proto-key.json'), { now: beforeFirstLift });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
