/**
 * The MIME ingest stores for send is a head start: if preparing it fails, the
 * statement still goes out, with email.json holding the email alone.
 * (A file of its own: the failure is a module mock, which would apply to every test in a file.)
 */
import { describe, expect, it, vi } from 'vitest';
import { createIngestHandler } from '../../functions/ingest/handler';
import type { PressJob } from '../../functions/shared/messages';
import { readStoredEmail } from '../../functions/shared/rendered-email';
import { sampleInput } from '../fixtures/statements';
import { s3Event } from '../helpers/herald-fakes';
import { setupIngest } from '../helpers/ingest';

vi.mock('../../core/mime', async (original) => ({
  ...(await original<typeof import('../../core/mime')>()),
  storedMimeFor: () => {
    throw new Error('preparation failed');
  },
}));

describe('ingest: when the email cannot be prepared for send', () => {
  it('stores the email alone, logs why, and sends the statement as usual', async () => {
    const { deps, upload, bucket, publisher } = setupIngest('2024-02-21T00:00:00.000Z');
    const warn = vi.spyOn(deps.logger, 'warn');
    const sender = { from: 'Press Office <press@example.org>' };
    const ingest = createIngestHandler({ ...deps, settings: { ...deps.settings, sender } });

    await ingest(s3Event(upload(sampleInput())));

    const id = sampleInput().id;
    const stored = readStoredEmail(JSON.parse(bucket.text(`rendered/${id}/1/email.json`) ?? '{}'));
    expect(stored.mime).toBeUndefined();
    expect(stored.email.subject).toContain(sampleInput().headline);
    expect(warn.mock.calls.map(([message]) => message)).toContain(
      'Could not prepare the email for send; send will prepare it itself',
    );
    const press = publisher.published.filter((p) => p.topic === 'press');
    expect(press.map((p) => (JSON.parse(p.body) as PressJob).emailKey)).toEqual([
      `rendered/${id}/1/email.json`,
    ]);
  });
});
