import { S3ServiceException } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { fromHeader } from '../../core/render/sender';
import { EMAIL_MAX_BYTES, estimateEmailBytes } from '../../core/render/size-budget';
import type { StatementInput } from '../../core/statement/schema';
import type { PartnerEnvelope } from '../../core/types';
import { scheduleName, stepGroups } from '../../functions/ingest/effects';
import { createIngestHandler } from '../../functions/ingest/handler';
import { EffectInProgressError } from '../../functions/shared/errors';
import type { PressJob, WebsiteRelease } from '../../functions/shared/messages';
import { readStoredEmail } from '../../functions/shared/rendered-email';
import { sampleInput, sampleStatement } from '../fixtures/statements';
import { throttled } from '../helpers/fake-dynamo';
import { type RecordingPublisher, s3Event, s3Record } from '../helpers/herald-fakes';
import { setupIngest } from '../helpers/ingest';

const ID = 'bscp-2024-02-scr';
const LIFT = '2024-02-21T00:01:00.000Z';

function statement(overrides: Partial<StatementInput> = {}): StatementInput {
  return { ...sampleInput(), ...overrides };
}

function topicsOf(publisher: RecordingPublisher): string[] {
  return publisher.published.map((p) => p.topic);
}

function partnerTypes(publisher: RecordingPublisher): string[] {
  return publisher.messages<PartnerEnvelope>('partners').map((m) => m.type);
}

describe('ingest: publishing', () => {
  it('publishes an embargoed statement to press and partners and schedules the release at the lift', async () => {
    // Prepare
    const { ingest, upload, publisher, scheduler, bucket } = setupIngest(
      '2024-02-21T00:00:00.000Z',
    );

    // Act
    const [outcome] = await ingest(s3Event(upload(statement())));

    // Assess
    expect(outcome).toMatchObject({
      outcome: 'published',
      id: ID,
      revision: 1,
      embargoUntil: LIFT,
      released: false,
      errors: [],
    });
    expect(publisher.messages<PressJob>('press')).toEqual([
      {
        id: ID,
        revision: 1,
        type: 'published',
        emailKey: `rendered/${ID}/1/email.json`,
        topics: ['safeguarding', 'case-reviews'],
        holders: false,
      },
    ]);
    const [partnerAttributes] = publisher.on('partners').map((p) => p.attributes);
    expect(partnerTypes(publisher)).toEqual(['statement.published']);
    expect(partnerAttributes?.embargoed?.StringValue).toBe('true');
    expect(scheduler.created).toEqual([
      { name: scheduleName(ID, 1), at: LIFT, payload: JSON.stringify({ id: ID, revision: 1 }) },
    ]);
    expect(publisher.on('website')).toEqual([]);
    expect(bucket.keys(`rendered/${ID}/1/`)).toEqual(
      ['bundle.json', 'email.html', 'email.json', 'email.txt', 'envelope.json', 'social.json'].map(
        (f) => `rendered/${ID}/1/${f}`,
      ),
    );
    expect(bucket.keys('published/')).toEqual([]);
  });

  it('stores the email prepared for the configured sender, under its From name, for send to splice', async () => {
    const { deps, upload, bucket } = setupIngest('2024-02-21T00:00:00.000Z');
    const sender = { from: 'Press Office <press@example.org>', configurationSet: 'herald-events' };
    const ingest = createIngestHandler({ ...deps, settings: { ...deps.settings, sender } });

    await ingest(s3Event(upload(statement())));

    const stored = readStoredEmail(JSON.parse(bucket.text(`rendered/${ID}/1/email.json`) ?? '{}'));
    expect(stored.mimeDropped).toBe(false);
    expect(stored.mime?.sender).toEqual({
      from: fromHeader(stored.email.fromName, sender.from),
      configurationSet: 'herald-events',
    });
    // Without a configured sender there is nothing to prepare for.
    const plain = setupIngest('2024-02-21T00:00:00.000Z');
    await plain.ingest(s3Event(plain.upload(statement())));
    const without = readStoredEmail(
      JSON.parse(plain.bucket.text(`rendered/${ID}/1/email.json`) ?? '{}'),
    );
    expect(without.mime).toBeUndefined();
    expect(without.email).toEqual(stored.email);
  });

  it('releases at once when the embargo lifts exactly now', async () => {
    // Prepare
    const { ingest, upload, publisher, scheduler } = setupIngest(LIFT);

    // Act
    const [outcome] = await ingest(s3Event(upload(statement())));

    // Assess
    expect(outcome).toMatchObject({ outcome: 'published', embargoUntil: null, released: true });
    expect(outcome?.warnings.map((w) => w.path)).toContain('embargo.until');
    expect(scheduler.created).toEqual([]);
    expect(partnerTypes(publisher)).toEqual(['statement.published', 'statement.released']);
    expect(publisher.messages<WebsiteRelease>('website')).toEqual([
      {
        type: 'statement.released',
        id: ID,
        revision: 1,
        headline: 'Publication of a Serious Case Review',
        publishedPrefix: `published/${ID}/1/`,
        releasedAt: LIFT,
      },
    ]);
  });

  it('schedules (and does not release) an embargo one minute after now', async () => {
    // Prepare
    const { ingest, upload, publisher, scheduler } = setupIngest('2024-02-21T00:00:00.000Z');

    // Act
    const [outcome] = await ingest(s3Event(upload(statement())));

    // Assess
    expect(outcome?.released).toBe(false);
    expect(scheduler.created.map((s) => s.at)).toEqual([LIFT]);
    expect(partnerTypes(publisher)).toEqual(['statement.published']);
    expect(publisher.on('website')).toEqual([]);
  });

  it('releases a statement without an embargo at once and writes the public copy', async () => {
    // Prepare
    const { ingest, upload, publisher, bucket } = setupIngest();

    // Act
    const [outcome] = await ingest(s3Event(upload(statement({ embargo: undefined }))));

    // Assess
    expect(outcome).toMatchObject({ outcome: 'published', released: true, embargoUntil: null });
    expect(topicsOf(publisher)).toEqual(['press', 'partners', 'partners', 'website', 'ops']);
    expect(bucket.json(`published/${ID}/latest.json`)).toMatchObject({
      id: ID,
      revision: 1,
      publishedPrefix: `published/${ID}/1/`,
    });
    expect(bucket.text(`published/${ID}/1/statement.txt`)).toContain(
      'Publication of a Serious Case Review',
    );
  });

  it('sends one ops summary per revision naming what happened', async () => {
    // Prepare
    const { ingest, upload, publisher } = setupIngest();

    // Act
    await ingest(s3Event(upload(statement())));

    // Assess
    const ops = publisher.on('ops');
    expect(ops).toHaveLength(1);
    expect(ops[0]?.subject).toBe(`Herald: published ${ID} r1`);
    expect(ops[0]?.body).toContain('Release scheduled for the lift');
  });

  it('honours channels: no press job and no website message when they are off', async () => {
    // Prepare
    const { ingest, upload, publisher } = setupIngest();
    const input = statement({ embargo: undefined, channels: { press: false, website: false } });

    // Act
    await ingest(s3Event(upload(input)));

    // Assess
    expect(topicsOf(publisher)).toEqual(['partners', 'partners', 'ops']);
  });

  it('decodes a form-encoded key with spaces and brackets', async () => {
    // Prepare
    const { ingest, upload } = setupIngest();
    const record = upload(statement(), 'my statement(2).json');

    // Act
    const [outcome] = await ingest(s3Event(record));

    // Assess
    expect(record.s3.object.key).toBe('incoming/my+statement%282%29.json');
    expect(outcome).toMatchObject({ key: 'incoming/my statement(2).json', outcome: 'published' });
  });

  it('ignores keys outside incoming/ and files that are not .json', async () => {
    // Prepare
    const { ingest, bucket, publisher } = setupIngest();
    bucket.write('rendered/x/1/email.json', '{}');
    bucket.write('incoming/notes.txt', 'hello');

    // Act
    const outcomes = await ingest(
      s3Event(s3Record('rendered/x/1/email.json'), s3Record('incoming/notes.txt')),
    );

    // Assess
    expect(outcomes.map((o) => o.outcome)).toEqual(['ignored', 'ignored']);
    expect(publisher.published).toEqual([]);
  });
});

describe('ingest: duplicates and conflicts', () => {
  it('handles the same record delivered twice with one publish per topic', async () => {
    // Prepare
    const { ingest, upload, publisher, scheduler } = setupIngest();
    const record = upload(statement());

    // Act
    const first = await ingest(s3Event(record, record));
    const again = await ingest(s3Event(record));

    // Assess
    expect(first.map((o) => o.outcome)).toEqual(['published', 'duplicate']);
    expect(again.map((o) => o.outcome)).toEqual(['duplicate']);
    expect(topicsOf(publisher)).toEqual(['press', 'partners', 'ops']);
    expect(scheduler.created).toHaveLength(1);
  });

  it('treats a re-upload of the same content as a duplicate with no side effects', async () => {
    // Prepare
    const { ingest, upload, publisher } = setupIngest();
    await ingest(s3Event(upload(statement())));
    const before = publisher.published.length;

    // Act
    const [outcome] = await ingest(s3Event(upload(statement())));

    // Assess
    expect(outcome).toMatchObject({
      outcome: 'duplicate',
      id: ID,
      revision: 1,
      embargoUntil: LIFT,
    });
    expect(publisher.published).toHaveLength(before);
  });

  it('rejects different content under the same revision and asks for the next revision', async () => {
    // Prepare
    const { ingest, upload, publisher, bucket } = setupIngest();
    await ingest(s3Event(upload(statement())));
    publisher.published.length = 0;

    // Act
    const [outcome] = await ingest(
      s3Event(upload(statement({ headline: 'A different headline' }))),
    );

    // Assess
    expect(outcome?.outcome).toBe('rejected');
    expect(outcome?.errors).toEqual([
      {
        path: 'revision',
        message: `revision 1 of ${ID} was already received with different content; bump revision to 2 to correct it`,
      },
    ]);
    expect(topicsOf(publisher)).toEqual(['ops']);
    expect(
      bucket.json<{ errors: unknown[] }>('rejected/statement.errors.json').errors,
    ).toHaveLength(1);
  });

  it('rejects a revision older than the one Herald already has', async () => {
    // Prepare
    const { ingest, upload } = setupIngest();
    await ingest(
      s3Event(upload(statement({ revision: 2, correction: 'Fixed the date.' }), 'r2.json')),
    );

    // Act
    const [outcome] = await ingest(s3Event(upload(statement(), 'r1.json')));

    // Assess
    expect(outcome?.outcome).toBe('rejected');
    expect(outcome?.errors[0]?.message).toMatch(
      /^revision 1 is older than revision 2, which Herald already has/,
    );
  });
});

describe('ingest: rejected files', () => {
  it('copies an invalid file to rejected/, writes its errors beside it and tells ops once', async () => {
    // Prepare
    const { ingest, upload, bucket, publisher, clock } = setupIngest();
    const bad = { ...sampleInput(), headline: '', colour: 'red' };
    const record = upload(JSON.stringify(bad), 'bad one.json');

    // Act
    const [outcome] = await ingest(s3Event(record));
    const [redelivered] = await ingest(s3Event(record));

    // Assess
    expect(outcome?.outcome).toBe('rejected');
    expect(redelivered?.outcome).toBe('rejected');
    expect(bucket.text('rejected/bad one.json')).toBe(JSON.stringify(bad));
    const report = bucket.json<{
      file: string;
      errors: Array<{ path: string }>;
      rejectedAt: string;
    }>('rejected/bad one.errors.json');
    expect(report.file).toBe('incoming/bad one.json');
    expect(report.rejectedAt).toBe(clock.now().toISOString());
    expect(report.errors.map((e) => e.path)).toEqual(
      expect.arrayContaining(['headline', 'colour']),
    );
    const ops = publisher.on('ops');
    expect(ops).toHaveLength(1);
    expect(ops[0]?.subject).toBe('Herald: rejected bad one');
    expect(ops[0]?.body).toMatch(/^ {2}headline: /m);
    expect(publisher.published).toHaveLength(1);
  });

  it('tells ops again when the same bad file is uploaded again as a new version', async () => {
    // Prepare
    const { ingest, upload, publisher } = setupIngest();
    await ingest(s3Event(upload('{ not json')));

    // Act
    await ingest(s3Event(upload('{ not json')));

    // Assess
    expect(publisher.on('ops')).toHaveLength(2);
  });

  it('rejects a file over 256 KB without reading it', async () => {
    // Prepare
    const { ingest, upload, bucket, publisher } = setupIngest();
    const huge = JSON.stringify({ ...sampleInput(), body: 'x'.repeat(300 * 1024) });

    // Act
    const [outcome] = await ingest(s3Event(upload(huge, 'huge.json')));

    // Assess
    expect(outcome?.outcome).toBe('rejected');
    expect(outcome?.errors[0]?.message).toMatch(/256 KB or smaller/);
    expect(bucket.keys('rejected/')).toEqual(['rejected/huge.errors.json', 'rejected/huge.json']);
    expect(publisher.on('ops')).toHaveLength(1);
  });

  it.each([
    [
      '15,000 one-word list items',
      '- a\n'.repeat(15_000),
      /^The email would be at least 5\d\d KB; /,
    ],
    [
      'deeply nested quotes',
      `${'>'.repeat(99)} a\n\n`.repeat(600).slice(0, 60_000),
      /^The email would be at least [\d,]+ KB; /,
    ],
    [
      'a reference link used thousands of times',
      `${'[a][r] '.repeat(4_000)}\n\n[r]: https://www.example.org/${'a'.repeat(2_000)}\n`.slice(
        -30_000,
      ),
      /^The body repeats reference-style links/,
    ],
  ])(
    'rejects a body whose email would be too large (%s) before recording it',
    async (_name, body, message) => {
      // Prepare
      const { ingest, upload, bucket, publisher } = setupIngest();

      // Act
      const [outcome] = await ingest(s3Event(upload(statement({ body }), 'big.json')));

      // Assess
      expect(outcome?.outcome).toBe('rejected');
      expect(outcome?.errors).toEqual([{ path: 'body', message: expect.stringMatching(message) }]);
      expect(bucket.keys('rejected/')).toEqual(['rejected/big.errors.json', 'rejected/big.json']);
      const report = bucket.json<{ errors: Array<{ message: string }> }>(
        'rejected/big.errors.json',
      );
      expect(report.errors[0]?.message).toMatch(message);
      expect(topicsOf(publisher)).toEqual(['ops']);
      expect(publisher.on('ops')[0]?.body).toMatch(/^ {2}body: /m);
      // Nothing was recorded: the fixed file under the same revision goes through.
      const [fixed] = await ingest(s3Event(upload(statement(), 'big.json')));
      expect(fixed?.outcome).toBe('published');
    },
  );

  it('accepts a long statement whose email Gmail would clip, with a warning', async () => {
    // Prepare: 40,000 characters of findings, each citing its evidence.
    const { ingest, upload, publisher } = setupIngest();
    let body = '';
    for (let n = 1; body.length < 40_000; n++) {
      body += `## Finding ${n}\n\nThe review found that planning started too late.\n\n${Array.from(
        { length: 12 },
        (_, i) => `- [Evidence ${n}.${i + 1}](https://www.example.org/evidence/${n}-${i + 1})`,
      ).join('\n')}\n\n`;
    }

    // Act
    const [outcome] = await ingest(s3Event(upload(statement({ body: body.slice(0, 40_000) }))));

    // Assess
    expect(outcome?.outcome).toBe('published');
    expect(outcome?.warnings).toContainEqual({
      path: 'body',
      message: expect.stringMatching(
        /^The email will be at least \d+ KB, close to or over the 100 KB or so that Gmail shows/,
      ),
    });
    expect(topicsOf(publisher)).toContain('press');
  });

  it('rejects an email the real render finds too large when the quick estimate passed', async () => {
    // Prepare: one-word list items, as many as keep the estimate under the limit; the real
    // email (head, sections, footer) is over it.
    const { ingest, upload, publisher } = setupIngest();
    const estimate = (items: number) =>
      estimateEmailBytes(sampleStatement({ body: '- a\n'.repeat(items) }));
    let items = Math.floor((EMAIL_MAX_BYTES - estimate(1)) / (estimate(2) - estimate(1)));
    while (estimate(items) >= EMAIL_MAX_BYTES) items--;
    const body = '- a\n'.repeat(items);

    // Act
    const [outcome] = await ingest(s3Event(upload(statement({ body }))));

    // Assess
    expect(outcome?.outcome).toBe('rejected');
    expect(outcome?.errors).toEqual([
      {
        path: 'body',
        message: expect.stringMatching(
          /^The email would be 50\d KB; Herald sends emails of up to 500 KB, and Gmail already shows only the first 100 KB or so\. Shorten the body/,
        ),
      },
    ]);
    expect(topicsOf(publisher)).toEqual(['ops']);
  });

  it('rejects a withdrawal of a statement Herald has never seen', async () => {
    // Prepare
    const { ingest, upload } = setupIngest();
    const input = statement({ status: 'withdraw', withdrawalReason: 'Issued in error.' });

    // Act
    const [outcome] = await ingest(s3Event(upload(input)));

    // Assess
    expect(outcome?.outcome).toBe('rejected');
    expect(outcome?.errors[0]?.path).toBe('status');
  });
});

describe('ingest: corrections and withdrawals', () => {
  it('withdraws: deletes the pending schedule, publishes statement.withdrawn, never the website', async () => {
    // Prepare
    const { ingest, upload, publisher, scheduler } = setupIngest();
    await ingest(s3Event(upload(statement(), 'r1.json')));
    publisher.published.length = 0;
    const withdrawal = statement({
      revision: 2,
      status: 'withdraw',
      withdrawalReason: 'Issued in error.',
    });

    // Act
    const [outcome] = await ingest(s3Event(upload(withdrawal, 'r2.json')));

    // Assess
    expect(outcome).toMatchObject({ outcome: 'withdrawn', revision: 2, released: false });
    expect(scheduler.deleted).toEqual([scheduleName(ID, 1)]);
    expect(scheduler.pending()).toEqual([]);
    expect(publisher.messages<PressJob>('press').map((j) => j.type)).toEqual(['withdrawn']);
    expect(partnerTypes(publisher)).toEqual(['statement.withdrawn']);
    expect(publisher.on('website')).toEqual([]);
    expect(publisher.on('ops')[0]?.subject).toBe(`Herald: withdrawn ${ID} r2`);
  });

  it('re-schedules a correction of a statement still under embargo', async () => {
    // Prepare
    const { ingest, upload, publisher, scheduler } = setupIngest();
    await ingest(s3Event(upload(statement(), 'r1.json')));
    publisher.published.length = 0;
    const later = '2024-02-22T09:00:00.000Z';
    const correction = statement({
      revision: 2,
      correction: 'New lift time.',
      embargo: { until: later },
    });

    // Act
    const [outcome] = await ingest(s3Event(upload(correction, 'r2.json')));

    // Assess
    expect(outcome).toMatchObject({ outcome: 'corrected', embargoUntil: later, released: false });
    expect(scheduler.deleted).toEqual([scheduleName(ID, 1)]);
    expect(scheduler.pending().map((s) => [s.name, s.at])).toEqual([[scheduleName(ID, 2), later]]);
    expect(partnerTypes(publisher)).toEqual(['statement.corrected']);
  });

  it('releases a correction of an already public statement at once (website rebuild)', async () => {
    // Prepare
    const { ingest, upload, publisher, bucket, clock } = setupIngest();
    await ingest(s3Event(upload(statement({ embargo: undefined }), 'r1.json')));
    publisher.published.length = 0;
    clock.advance(3_600_000);
    const correction = statement({
      revision: 2,
      correction: 'Corrected the helpline number.',
      embargo: { until: '2024-03-01T00:00:00Z' },
    });

    // Act
    const [outcome] = await ingest(s3Event(upload(correction, 'r2.json')));

    // Assess
    expect(outcome).toMatchObject({ outcome: 'corrected', released: true, embargoUntil: null });
    expect(outcome?.warnings.map((w) => w.path)).toContain('embargo');
    expect(partnerTypes(publisher)).toEqual(['statement.corrected', 'statement.released']);
    expect(publisher.messages<WebsiteRelease>('website').map((m) => m.revision)).toEqual([2]);
    expect(bucket.json<{ revision: number }>(`published/${ID}/latest.json`).revision).toBe(2);
  });
});

describe('ingest: failures and retries', () => {
  it('rethrows a transient S3 error so Lambda retries, and the retry publishes', async () => {
    // Prepare
    const { ingest, upload, bucket, publisher } = setupIngest();
    const record = upload(statement());
    const slowDown = new S3ServiceException({
      name: 'SlowDown',
      $fault: 'server',
      $metadata: { httpStatusCode: 503 },
      message: 'Please reduce your request rate.',
    });
    bucket.failNextGet(slowDown);

    // Act
    const attempt = ingest(s3Event(record));

    // Assess
    await expect(attempt).rejects.toBe(slowDown);
    expect(publisher.published).toEqual([]);
    const [retry] = await ingest(s3Event(record));
    expect(retry?.outcome).toBe('published');
    expect(topicsOf(publisher)).toEqual(['press', 'partners', 'ops']);
  });

  it('rethrows DynamoDB throttling so Lambda retries', async () => {
    // Prepare
    const { ingest, upload, dynamo } = setupIngest();
    dynamo.table.failWhen(
      'Get',
      () => true,
      () => throttled(),
    );

    // Act
    const attempt = ingest(s3Event(upload(statement())));

    // Assess
    await expect(attempt).rejects.toMatchObject({ name: 'ThrottlingException' });
  });

  it('republishes at most once after a crash between the publish and its done marker', async () => {
    // Prepare: the update that marks the partners publish done fails (the "crash").
    const { ingest, upload, publisher, dynamo, clock } = setupIngest();
    const record = upload(statement());
    const crash = new Error('connection reset');
    dynamo.table.failWhen(
      'Update',
      (input) => String((input.Key as { sk: string }).sk) === 'fx#0001#partners',
      () => crash,
    );

    // Act
    const first = ingest(s3Event(record));
    await expect(first).rejects.toBe(crash);
    const tooSoon = ingest(s3Event(record));
    await expect(tooSoon).rejects.toBeInstanceOf(EffectInProgressError);
    clock.advance(60_000 + 5_001);
    const [retry] = await ingest(s3Event(record));
    const [later] = await ingest(s3Event(record));

    // Assess: partners got it twice (the documented window), everything else once.
    expect(retry?.outcome).toBe('published');
    expect(later?.outcome).toBe('duplicate');
    expect(topicsOf(publisher)).toEqual(['press', 'partners', 'partners', 'ops']);
    const keys = publisher.messages<PartnerEnvelope>('partners').map((m) => m.dedupeKey);
    expect(new Set(keys)).toEqual(new Set([`${ID}#1#statement.published`]));
    expect(dynamo.table.get(`stmt#${ID}`, 'rev#0001')?.complete).toBe(true);
  });

  it('retries a failed publish without waiting for the lease (the claim is released)', async () => {
    // Prepare
    const { ingest, upload, publisher } = setupIngest();
    const record = upload(statement());
    publisher.failNext('press', throttled('SNS'));

    // Act
    await expect(ingest(s3Event(record))).rejects.toMatchObject({ name: 'ThrottlingException' });
    const [retry] = await ingest(s3Event(record));

    // Assess: the retry finished the publication, each message once (the partner message,
    // made beside the failed press job, went out in the first attempt)
    expect(retry?.outcome).toBe('published');
    expect(topicsOf(publisher)).toEqual(['partners', 'press', 'ops']);
  });
});

describe('ingest: which steps run at once', () => {
  it('runs the press job, the partner message and the schedule at once, every other step alone in plan order', () => {
    const groups = stepGroups([
      { kind: 'unschedule', below: 2 },
      { kind: 'press', type: 'corrected', topics: [], holders: true },
      { kind: 'partners', type: 'statement.corrected' },
      { kind: 'schedule', at: '2024-02-21T00:01:00.000Z' },
      { kind: 'unpublish' },
      { kind: 'partners', type: 'statement.withdrawn' },
    ]);
    expect(groups.map((g) => g.map((e) => e.kind))).toEqual([
      ['unschedule'],
      ['press', 'partners', 'schedule'],
      ['unpublish'],
      ['partners'],
    ]);
  });
});
