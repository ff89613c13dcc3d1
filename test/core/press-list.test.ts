import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  CorrectionAudience,
  maskEmail,
  matchesTopics,
  type PressListEntry,
  type PressListRow,
  readPressList,
} from '../../core/press-list';

async function collect(source: Parameters<typeof readPressList>[0]): Promise<PressListEntry[]> {
  const out: PressListEntry[] = [];
  for await (const entry of readPressList(source)) out.push(entry);
  return out;
}

const rows = (entries: PressListEntry[]) =>
  entries.filter((e): e is PressListRow => e.kind === 'row');
const problems = (entries: PressListEntry[]) => entries.filter((e) => e.kind === 'problem');

/** Splits text into small chunks so rows straddle chunk boundaries, as they do on the wire. */
async function* chunked(text: string, size = 7): AsyncGenerator<Uint8Array> {
  const bytes = Buffer.from(text, 'utf8');
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

describe('readPressList', () => {
  it('reads rows streamed in small chunks, with topics trimmed and lower-cased', async () => {
    const csv = [
      'email,name,outlet,topics',
      'ann@example.org,Ann Reporter,Daily Post, Health ; Education ',
      'bob@example.org,Bob,,',
    ].join('\n');
    const entries = await collect(chunked(csv));
    expect(problems(entries)).toEqual([]);
    expect(rows(entries)).toEqual([
      {
        kind: 'row',
        line: 2,
        email: 'ann@example.org',
        name: 'Ann Reporter',
        outlet: 'Daily Post',
        topics: ['health', 'education'],
      },
      { kind: 'row', line: 3, email: 'bob@example.org', name: 'Bob', outlet: null, topics: [] },
    ]);
  });

  it('accepts header names in any case and order, a BOM and CRLF line endings', async () => {
    const csv = '\uFEFFTopics,EMAIL,Outlet,Name\r\nhealth,ann@example.org,Post,Ann\r\n';
    const entries = await collect(Readable.from([csv]));
    expect(rows(entries)).toMatchObject([
      { email: 'ann@example.org', name: 'Ann', outlet: 'Post', topics: ['health'] },
    ]);
  });

  it('reports every bad row with its line number instead of dropping it silently', async () => {
    const csv = [
      'email,name,outlet,topics', // 1
      'good@example.org,Good,Outlet,', // 2
      'not-an-address,Bad,Outlet,', // 3
      ',No Email,Outlet,', // 4
      'short@example.org,Short', // 5
      '"multi@example.org","Line', // 6
      'Break",Outlet,', // 7
      'last@example.org,Last,Outlet,', // 8
    ].join('\n');
    const entries = await collect(chunked(csv));
    expect(rows(entries).map((r) => [r.line, r.email])).toEqual([
      [2, 'good@example.org'],
      [8, 'last@example.org'],
    ]);
    const found = problems(entries).map((p) => ({
      line: p.line,
      severity: p.kind === 'problem' ? p.severity : '',
    }));
    expect(found).toEqual([
      { line: 3, severity: 'error' },
      { line: 4, severity: 'error' },
      { line: 5, severity: 'error' },
      { line: 6, severity: 'error' },
    ]);
    const messages = problems(entries).map((p) => (p.kind === 'problem' ? p.message : ''));
    expect(messages[0]).toMatch(/not a valid email address/);
    expect(messages[1]).toMatch(/no email address/);
    expect(messages[2]).toMatch(/2 columns but the header has 4/);
    expect(messages[3]).toMatch(/name contains a line break/);
  });

  it('keeps the first row for an address repeated in another case and notes the later one', async () => {
    const csv = [
      'email,name,outlet,topics',
      'Ann@Example.org,Ann,First,health',
      'ann@example.ORG,Ann again,Second,',
    ].join('\n');
    const entries = await collect(Readable.from([csv]));
    expect(rows(entries)).toHaveLength(1);
    expect(rows(entries)[0]).toMatchObject({ email: 'Ann@Example.org', outlet: 'First' });
    expect(problems(entries)).toEqual([
      expect.objectContaining({ kind: 'problem', line: 3, severity: 'note' }),
    ]);
  });

  it('treats a list without an email column as unreadable (fatal) rather than guessing', async () => {
    const entries = await collect(Readable.from(['ann@example.org,Ann,Post,health\n']));
    expect(entries).toEqual([
      expect.objectContaining({ kind: 'problem', line: 1, severity: 'fatal' }),
    ]);
  });

  it('reports an empty file as fatal', async () => {
    const entries = await collect(Readable.from(['']));
    expect(entries).toEqual([expect.objectContaining({ severity: 'fatal' })]);
  });

  it('ignores an extra column with a note', async () => {
    const csv = 'email,name,outlet,topics,notes\nann@example.org,Ann,Post,,likes tea\n';
    const entries = await collect(Readable.from([csv]));
    expect(rows(entries)).toHaveLength(1);
    expect(problems(entries)).toEqual([expect.objectContaining({ line: 1, severity: 'note' })]);
  });

  it('reports an unclosed quote instead of throwing', async () => {
    const csv = 'email,name,outlet,topics\nann@example.org,Ann,Post,\n"bob@example.org,Bob,Post,\n';
    const entries = await collect(Readable.from([csv]));
    expect(rows(entries).map((r) => r.email)).toEqual(['ann@example.org']);
    expect(problems(entries)).toEqual([
      expect.objectContaining({
        severity: 'error',
        message: expect.stringMatching(/never closed/),
      }),
    ]);
  });

  it('streams a 50,000-row list from a generator without needing the whole file', async () => {
    const total = 50_000;
    let produced = 0;
    let maxAhead = 0;
    let consumed = 0;
    // A lazy source: if the parser buffered the whole file, `produced` would race ahead of `consumed`.
    async function* source(): AsyncGenerator<string> {
      yield 'email,name,outlet,topics\n';
      for (let i = 0; i < total; i += 100) {
        let chunk = '';
        for (let j = i; j < i + 100; j++)
          chunk += `journalist${j}@example.org,Journalist ${j},Outlet ${j % 7},${j % 2 === 0 ? 'health' : 'education;crime'}\n`;
        produced += 100;
        maxAhead = Math.max(maxAhead, produced - consumed);
        yield chunk;
      }
    }
    let health = 0;
    for await (const entry of readPressList(source())) {
      expect(entry.kind).toBe('row');
      consumed++;
      if (entry.kind === 'row' && entry.topics.includes('health')) health++;
    }
    expect(consumed).toBe(total);
    expect(health).toBe(total / 2);
    // Back-pressure keeps the source only a few stream buffers ahead of the consumer.
    expect(maxAhead).toBeLessThan(total / 5);
  });

  it('stops reading the source when the consumer stops early', async () => {
    let pulled = 0;
    async function* source(): AsyncGenerator<string> {
      yield 'email,name,outlet,topics\n';
      for (let i = 0; i < 100_000; i++) {
        pulled++;
        yield `j${i}@example.org,J,O,\n`;
      }
    }
    for await (const entry of readPressList(source())) {
      if (entry.kind === 'row') break;
    }
    expect(pulled).toBeLessThan(100_000);
  });
});

describe('topic selection', () => {
  it('sends a statement with topics to journalists who share one or have none', () => {
    expect(matchesTopics(['health'], ['health', 'education'])).toBe(true);
    expect(matchesTopics(['crime'], ['health', 'education'])).toBe(false);
    expect(matchesTopics([], ['health'])).toBe(true);
  });

  it('sends a statement without topics to everyone', () => {
    expect(matchesTopics(['crime'], [])).toBe(true);
  });

  it('streams rows, drops later duplicates of an address (first wins) and keeps problems in line order', async () => {
    const csv = [
      'email,name,outlet,topics',
      'a@x.org,Ann,Post,health',
      'bad,B,Post,',
      'c@x.org,Cat,Post,crime',
      'A@X.org,Ann again,Post,',
    ].join('\n');
    const rows: string[] = [];
    const problems: Array<[number, string]> = [];
    for await (const entry of readPressList(Readable.from([csv]))) {
      if (entry.kind === 'row') rows.push(entry.email);
      else problems.push([entry.line, entry.severity]);
    }
    expect(rows).toEqual(['a@x.org', 'c@x.org']);
    expect(problems).toEqual([
      [3, 'error'],
      [5, 'note'],
    ]);
  });
});

describe('CorrectionAudience', () => {
  it('sends a correction to earlier recipients and to newly matching journalists, once each', () => {
    const audience = new CorrectionAudience(['old@x.org', 'both@x.org']);
    const admitted = [{ email: 'Both@x.org', name: 'Both' }, { email: 'new@x.org' }].filter((r) =>
      audience.admit(r),
    );
    expect([...admitted, ...audience.rest()]).toEqual([
      { email: 'Both@x.org', name: 'Both' },
      { email: 'new@x.org' },
      { email: 'old@x.org' },
    ]);
    expect(audience.admit({ email: 'NEW@x.org' })).toBe(false);
  });

  it('sends a withdrawal only to those who received the statement', () => {
    const audience = new CorrectionAudience(['old@x.org', 'both@x.org'], { withdrawal: true });
    const admitted = [{ email: 'both@x.org', name: 'Both' }, { email: 'new@x.org' }].filter((r) =>
      audience.admit(r),
    );
    expect([...admitted, ...audience.rest()]).toEqual([
      { email: 'both@x.org', name: 'Both' },
      { email: 'old@x.org' },
    ]);
    expect(audience.holds({ email: 'OLD@x.org' })).toBe(true);
    expect(audience.holds({ email: 'new@x.org' })).toBe(false);
  });
});

describe('maskEmail', () => {
  it('keeps the first character and the domain', () => {
    expect(maskEmail('journalist@example.org')).toBe('j…@example.org');
    expect(maskEmail('nonsense')).toBe('…');
  });
});
