/** Failures in the middle end in a retry or a dead-letter record: never a lost or duplicated email. */
import { describe, expect, it } from 'vitest';
import { startTestStack } from '../helpers/local-stack';

const ID = 'bscp-2024-02-scr';
const AMIRA = 'amira.haddad@example.co.uk';

describe('failures', () => {
  it('a send that throws once is retried by the sender: one email, no dead letter', async () => {
    const stack = await startTestStack();
    try {
      stack.faults.failSend({ recipient: AMIRA, times: 1 });
      await stack.upload('01.json', await stack.readExample('01-bscp-serious-case-review.json'));
      await stack.drain();
      expect(await stack.emlFiles(ID, 1)).toContain(`${AMIRA}.eml`);
      expect(await stack.emlFiles(ID, 1)).toHaveLength(4);
      expect(stack.deadLetters).toEqual([]);
      expect(stack.summary().duplicateEmails).toBe(0);
    } finally {
      await stack.stop();
    }
  });

  it('a send failing past the in-process retries fails the SQS record; redelivery sends it once and nobody twice', async () => {
    const stack = await startTestStack();
    try {
      // send makes 4 attempts per delivery; the 5th call is on the SQS redelivery.
      stack.faults.failSend({ recipient: AMIRA, times: 4 });
      await stack.upload('01.json', await stack.readExample('01-bscp-serious-case-review.json'));
      await stack.drain();
      expect(await stack.emlFiles(ID, 1)).toHaveLength(4);
      expect(stack.deadLetters).toEqual([]);
      expect(stack.summary().duplicateEmails).toBe(0);
      expect(stack.summary().statements[0]?.press).toEqual({ emailed: 4, skipped: 0, failed: 0 });
    } finally {
      await stack.stop();
    }
  });

  it('a send that never succeeds ends in a dead-letter record, and the others still get theirs once', async () => {
    const stack = await startTestStack();
    try {
      stack.faults.failSend({ recipient: AMIRA, times: 1000 });
      await stack.upload('01.json', await stack.readExample('01-bscp-serious-case-review.json'));
      await stack.drain();
      const files = await stack.emlFiles(ID, 1);
      expect(files).toHaveLength(3);
      expect(files).not.toContain(`${AMIRA}.eml`);
      const dead = await stack.deadLetterLines();
      expect(dead.map((d) => d.source)).toEqual(['queue:send']);
      expect(dead[0]?.body).toContain(AMIRA);
      expect(stack.summary().statements[0]?.press.failed).toBe(1);
      expect(stack.summary().duplicateEmails).toBe(0);
    } finally {
      await stack.stop();
    }
  });

  it('a partner endpoint returning 500 is retried; one that keeps failing is dead-lettered', async () => {
    const stack = await startTestStack();
    try {
      stack.faults.failPartner('newsdesk-archive', 2);
      stack.faults.failPartner('health-trust', 100);
      await stack.upload(
        '02.json',
        await stack.readExample('02-westmere-council-winter-gritting.json'),
      );
      await stack.drain();
      // 02 is not embargoed: published and released, both delivered after the retries
      // (in either order: SNS does not order deliveries).
      expect(
        (await stack.partnerRecords('newsdesk-archive'))
          .map((r) => r.attributes.type?.Value)
          .sort(),
      ).toEqual(['statement.published', 'statement.released']);
      // health-trust filters on safeguarding; 02 is about roads, so nothing was even attempted.
      expect(await stack.deadLetterLines()).toEqual([]);

      await stack.upload(
        '05.json',
        await stack.readExample('05-bscp-serious-case-review-correction.json'),
      );
      await stack.drain();
      expect(await stack.partnerRecords('health-trust')).toEqual([]);
      const dead = await stack.deadLetterLines();
      expect(dead.length).toBeGreaterThan(0);
      expect(new Set(dead.map((d) => d.source))).toEqual(new Set(['sns:partners:health-trust']));
      expect(JSON.parse(dead[0]?.body ?? '{}')).toMatchObject({ Type: 'Notification' });
    } finally {
      await stack.stop();
    }
  });

  it('the website hook failing once is retried by the website queue: one rebuild', async () => {
    const stack = await startTestStack();
    try {
      stack.faults.failWebsite(1);
      await stack.upload(
        '02.json',
        await stack.readExample('02-westmere-council-winter-gritting.json'),
      );
      await stack.drain();
      expect(await stack.hooks()).toHaveLength(1);
      expect(stack.deadLetters).toEqual([]);
    } finally {
      await stack.stop();
    }
  });
});
