import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { STATEMENT_ID } from '../../core/statement/primitives';
import { scheduleName } from '../../functions/ingest/effects';
import { EnvironmentError, readEnv } from '../../functions/shared/env';
import { MessageFormatError } from '../../functions/shared/errors';
import { revisionSk, sentSk, suppressionPk } from '../../functions/shared/ledger/client';
import {
  opsSubject,
  parsePressJob,
  parseReleaseEvent,
  parseReleaseRequest,
  parseSendBatch,
  parseWebsiteMessage,
} from '../../functions/shared/messages';

describe('messages', () => {
  it('parses a PressJob body', () => {
    // Prepare
    const body = JSON.stringify({
      id: 'abc-1',
      revision: 2,
      type: 'corrected',
      emailKey: 'rendered/abc-1/2/email.json',
      topics: ['health'],
      holders: true,
    });

    // Act
    const job = parsePressJob(body);

    // Assess
    expect(job).toEqual({
      id: 'abc-1',
      revision: 2,
      type: 'corrected',
      emailKey: 'rendered/abc-1/2/email.json',
      topics: ['health'],
      holders: true,
    });
  });

  it('accepts an already-parsed ReleaseRequest (the scheduler passes the payload as the event)', () => {
    expect(parseReleaseRequest({ id: 'abc-1', revision: 1 })).toEqual({ id: 'abc-1', revision: 1 });
  });

  it('tells a release at the lift from the sweep the EventBridge rule sends', () => {
    expect(parseReleaseEvent({ id: 'abc-1', revision: 1 })).toEqual({ id: 'abc-1', revision: 1 });
    expect(parseReleaseEvent({ type: 'sweep' })).toEqual({ type: 'sweep' });
    expect(() => parseReleaseEvent({ type: 'sweep', id: 'abc-1' })).toThrow(MessageFormatError);
  });

  it('names every problem in a bad message', () => {
    // Act
    const parse = () =>
      parseSendBatch({
        id: 'ABC',
        revision: 0,
        type: 'published',
        batch: 1,
        emailKey: 'k',
        recipients: [],
      });

    // Assess
    expect(parse).toThrow(MessageFormatError);
    try {
      parse();
    } catch (err) {
      expect((err as MessageFormatError).issues.map((i) => i.path)).toEqual([
        'id',
        'revision',
        'recipients',
      ]);
    }
  });

  it('accepts exactly the ids a statement may have (messages.ts does not import the schema)', () => {
    const ids = [
      'abc',
      'bscp-2024-02-scr',
      'ab',
      'ABC',
      '-abc',
      'a'.repeat(64),
      'a'.repeat(65),
      'a_b',
    ];
    for (const id of ids) {
      const job = {
        id,
        revision: 1,
        type: 'published',
        emailKey: `rendered/${id}/1/email.json`,
        topics: [],
        holders: false,
      };
      const accepted = (() => {
        try {
          parsePressJob(job);
          return true;
        } catch {
          return false;
        }
      })();
      expect({ id, accepted }).toEqual({ id, accepted: STATEMENT_ID.test(id) });
    }
  });

  it('gives the same messages as classic zod (messages.ts uses zod/mini)', () => {
    // Act
    const parse = () =>
      parseSendBatch({
        id: 'abc-1',
        revision: 1.5,
        type: 'published',
        batch: 1,
        emailKey: '',
        recipients: [{ email: 'a@b.org', extra: 1 }],
      });

    // Assess
    try {
      parse();
      expect.unreachable();
    } catch (err) {
      expect((err as MessageFormatError).issues).toEqual([
        { path: 'revision', message: 'Invalid input: expected int, received number' },
        { path: 'emailKey', message: 'Too small: expected string to have >=1 characters' },
        { path: 'recipients.0', message: 'Unrecognized key: "extra"' },
      ]);
    }
  });

  it('rejects a body that is not JSON', () => {
    expect(() => parseWebsiteMessage('{')).toThrow(MessageFormatError);
  });

  it('keeps recipients without optional fields free of undefined keys', () => {
    // Act
    const batch = parseSendBatch({
      id: 'abc-1',
      revision: 1,
      type: 'published',
      batch: 1,
      emailKey: 'k',
      recipients: [{ email: 'a@b.org' }],
    });

    // Assess
    expect(batch.recipients).toEqual([{ email: 'a@b.org' }]);
  });

  it('makes an ops subject SNS accepts: ASCII, one line, at most 100 characters', () => {
    // Act
    const subject = opsSubject(`Herald: rejected café – ${'x'.repeat(200)}\n`);

    // Assess
    expect(subject).toMatch(/^[\x20-\x7e]{1,100}$/);
    expect(subject.startsWith('Herald: rejected cafe ')).toBe(true);
  });
});

describe('scheduleName', () => {
  it('is deterministic, at most 64 characters of the allowed set, and unique per revision', () => {
    // Prepare
    const id = `a${'b'.repeat(63)}`;

    // Act
    const names = [
      scheduleName(id, 1),
      scheduleName(id, 1),
      scheduleName(id, 999, 'herald-prod-eu'),
    ];

    // Assess
    expect(names[0]).toBe(names[1]);
    for (const name of names) expect(name).toMatch(/^[0-9a-zA-Z_.-]{1,64}$/);
    expect(scheduleName(id, 2)).not.toBe(names[0]);
  });
});

describe('ledger keys', () => {
  it('zero-pads revisions and lower-cases email addresses', () => {
    expect(revisionSk(7)).toBe('rev#0007');
    expect(sentSk(12, 'Jo@Example.ORG')).toBe('sent#0012#jo@example.org');
    expect(suppressionPk('Jo@Example.ORG')).toBe('suppress#jo@example.org');
  });
});

describe('readEnv', () => {
  it('returns the parsed environment', () => {
    expect(readEnv(z.object({ A: z.string() }), { A: 'x' })).toEqual({ A: 'x' });
  });

  it('lists every missing or bad variable in one EnvironmentError', () => {
    // Prepare
    const schema = z.object({
      LEDGER_TABLE: z.string(),
      OPS_TOPIC_ARN: z.string().startsWith('arn:'),
    });

    // Act
    const read = () => readEnv(schema, { OPS_TOPIC_ARN: 'nope' });

    // Assess
    expect(read).toThrow(EnvironmentError);
    try {
      read();
    } catch (err) {
      const problems = (err as EnvironmentError).problems;
      expect(problems).toHaveLength(2);
      expect(problems[0]).toMatch(/^LEDGER_TABLE is missing/);
      expect(problems[1]).toMatch(/^OPS_TOPIC_ARN is not valid/);
    }
  });
});
