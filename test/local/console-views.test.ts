/**
 * The console's pages treat every value from a statement, a file or a message as text:
 * whatever a headline, a file name, a warning or an ops message holds, it reads back as
 * the same text and adds no element (property-based). And the states read as words.
 */
import { load } from 'cheerio';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { uploadName } from '../../local/console';
import type { ConsoleSnapshot, RevisionView, StatementView } from '../../local/console/model';
import { dashboardPage, statementPage, stateText } from '../../local/console/views';

function revision(text: string): RevisionView {
  return {
    revision: 2,
    kind: 'corrected',
    file: `${text}.json`,
    receivedAt: '2024-02-20T09:00:00.000Z',
    complete: true,
    warnings: [{ path: text, message: text }],
    embargo: {
      until: '2024-02-21T00:01:00.000Z',
      timezone: 'Europe/London',
      display: '00:01 GMT, Wednesday 21 February 2024',
    },
    inheritedFrom: 1,
    liftChange: null,
    channels: { press: true, partners: true, website: true },
    released: false,
    releasedAt: null,
    press: {
      emailed: [{ email: 'a@example.com', name: text, outlet: text }],
      skipped: [],
      failed: [],
      note: null,
    },
    partners: [{ name: 'archive', protocol: 'email', filterPolicy: null, messages: [] }],
    website: [],
    ops: [{ subject: text, text, receivedAt: '2024-02-20T09:00:01.000Z' }],
    emails: [{ recipient: 'a@example.com', copy: 1 }],
    social: [
      {
        platform: 'X',
        text,
        measured: 1,
        limit: 280,
        unit: 'characters',
        ok: true,
        notBefore: null,
      },
    ],
  };
}

function snapshot(text: string): { snap: ConsoleSnapshot; statement: StatementView } {
  const statement: StatementView = {
    id: 'bscp-2024-02-scr',
    headline: text,
    state: 'embargoed',
    timeZone: 'Europe/London',
    latestRevision: 2,
    embargo: revision(text).embargo,
    awaitingRevision: null,
    releasedAt: null,
    revisions: [revision(text)],
  };
  return {
    statement,
    snap: {
      clock: {
        now: '2024-02-20T09:00:00.000Z',
        timeZone: 'Europe/London',
        running: true,
        demo: true,
        nextLift: null,
      },
      statements: [statement],
      uploads: [
        {
          file: `${text}.json`,
          id: null,
          revision: null,
          outcome: 'rejected',
          errors: [{ path: text, message: text }],
          warnings: [],
        },
      ],
      ops: [{ subject: text, text, receivedAt: '2024-02-20T09:00:01.000Z' }],
      deadLetters: 0,
      duplicateEmails: 0,
      paths: { stateDir: '/tmp/x', outbox: '/tmp/x/outbox' },
    },
  };
}

/** Elements a page has whatever the data: the markup the views write themselves. */
function tagCounts(page: string): Record<string, number> {
  const $ = load(page);
  const counts: Record<string, number> = {};
  $('*').each((_, el) => {
    const name = 'tagName' in el ? el.tagName : '?';
    counts[name] = (counts[name] ?? 0) + 1;
  });
  return counts;
}

describe('console pages', () => {
  it('show any statement text as that text, adding no element', () => {
    const plain = snapshot('plain');
    const dashboardTags = tagCounts(dashboardPage(plain.snap, null));
    const statementTags = tagCounts(statementPage(plain.snap, plain.statement));
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }), (text) => {
        fc.pre(text.trim() === text && text.length > 0);
        const { snap, statement } = snapshot(text);
        const dashboard = dashboardPage(snap, null);
        const page = statementPage(snap, statement);
        expect(tagCounts(dashboard)).toEqual(dashboardTags);
        expect(tagCounts(page)).toEqual(statementTags);
        const $ = load(page);
        expect($('h1').text()).toBe(text);
        expect($('title').text()).toBe(`${text} · Herald newsroom console`);
        expect($('.issues-warning li').first().text()).toBe(`${text}: ${text}`);
        expect($('pre.post').text()).toBe(text);
        expect(load(dashboard)('.card h3 a').text()).toBe(text);
      }),
      { numRuns: 150 },
    );
  });

  it('escape the characters that would end an attribute or start a tag', () => {
    const { snap, statement } = snapshot('"><script>alert(1)</script><img src=x onerror=alert(1)>');
    const page = statementPage(snap, statement);
    const $ = load(page);
    expect($('script')).toHaveLength(1); // the console's own, from /assets/
    expect($('script').attr('src')).toBe('/assets/console.js');
    expect($('img')).toHaveLength(0);
    expect($('[onerror]')).toHaveLength(0);
  });

  it('say each state in words, with the lift in the statement’s zone', () => {
    const { statement } = snapshot('x');
    expect(stateText(statement)).toBe('Embargoed until 00:01 GMT, Wednesday 21 February 2024');
    expect(stateText({ ...statement, state: 'awaiting-approval', awaitingRevision: 3 })).toBe(
      'Awaiting approval: revision 3',
    );
    expect(
      stateText({ ...statement, state: 'released', releasedAt: '2024-06-10T09:00:00.000Z' }),
    ).toBe('Released 10:00:00 BST, Monday 10 June 2024');
    expect(stateText({ ...statement, state: 'withdrawn' })).toBe('Withdrawn');
  });
});

describe('uploaded file names', () => {
  it('become safe keys under incoming/, and only .json files are taken', () => {
    expect(uploadName('01-bscp-serious-case-review.json')).toBe('01-bscp-serious-case-review.json');
    expect(uploadName('C:\\Users\\me\\My Statement (final).json')).toBe('My-Statement-final-.json');
    expect(uploadName('../../etc/passwd.json')).toBe('passwd.json');
    expect(uploadName('notes.txt')).toBeNull();
    expect(uploadName('.json')).toBeNull();
  });
});
