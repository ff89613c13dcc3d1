import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createUnsubscribeToken,
  signWebhook,
  UnsubscribeTokenError,
  verifyUnsubscribeToken,
  verifyWebhook,
  WebhookSignatureError,
} from '../../core/security';

const SECRET = 'test-secret-0123456789';

describe('unsubscribe tokens', () => {
  it('round-trips the address it was made for', () => {
    const token = createUnsubscribeToken('Ann.Reporter@Example.org', SECRET);
    expect(token).toMatch(/^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(verifyUnsubscribeToken(token, SECRET)).toEqual({
      ok: true,
      email: 'Ann.Reporter@Example.org',
    });
  });

  it('is URL-safe without encoding', () => {
    const token = createUnsubscribeToken('a+b@example.org', SECRET);
    expect(encodeURIComponent(token)).toBe(token);
  });

  it('rejects a token whose address was swapped for someone else', () => {
    const mine = createUnsubscribeToken('ann@example.org', SECRET);
    const other = Buffer.from('bob@example.org').toString('base64url');
    const [v, , sig] = mine.split('.');
    expect(verifyUnsubscribeToken(`${v}.${other}.${sig}`, SECRET)).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
  });

  it("rejects another user's signature pasted onto my address", () => {
    const mine = createUnsubscribeToken('ann@example.org', SECRET).split('.');
    const theirs = createUnsubscribeToken('bob@example.org', SECRET).split('.');
    expect(verifyUnsubscribeToken(`${mine[0]}.${mine[1]}.${theirs[2]}`, SECRET).ok).toBe(false);
  });

  it('rejects a token made with a different secret', () => {
    const token = createUnsubscribeToken('ann@example.org', 'another-secret');
    expect(verifyUnsubscribeToken(token, SECRET)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('rejects a tampered signature character', () => {
    const token = createUnsubscribeToken('ann@example.org', SECRET);
    const last = token.at(-1) === 'A' ? 'B' : 'A';
    expect(verifyUnsubscribeToken(token.slice(0, -1) + last, SECRET).ok).toBe(false);
  });

  it('treats the address case-insensitively in the MAC but keeps it as written', () => {
    const upper = createUnsubscribeToken('ANN@EXAMPLE.ORG', SECRET);
    const lower = createUnsubscribeToken('ann@example.org', SECRET);
    expect(upper.split('.')[2]).toBe(lower.split('.')[2]);
  });

  it.each([
    ['', 'malformed'],
    ['v1', 'malformed'],
    ['v1..', 'malformed'],
    ['v1.abc', 'malformed'],
    ['v2.YQ.YQ', 'unsupported-version'],
    ['v1.!!!.abc', 'malformed'],
    ['v1.YQ=.abc', 'malformed'],
    ['v1.YQ.c2hvcnQ', 'bad-signature'],
    ['v1./w.AAAA', 'malformed'],
  ])('rejects malformed token %j without throwing', (token, reason) => {
    expect(verifyUnsubscribeToken(token, SECRET)).toEqual({ ok: false, reason });
  });

  it('never throws, whatever arrives in the URL', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.anything()), (input) => {
        const result = verifyUnsubscribeToken(input, SECRET);
        expect(result.ok).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on near-valid tokens and never yields a different mailbox', () => {
    const genuine = createUnsubscribeToken('ann@example.org', SECRET);
    fc.assert(
      fc.property(
        fc.nat(genuine.length - 1),
        fc.string({ minLength: 1, maxLength: 2 }),
        (at, insert) => {
          const mutated = genuine.slice(0, at) + insert + genuine.slice(at + 1);
          const result = verifyUnsubscribeToken(mutated, SECRET);
          // The MAC covers the lower-cased address, so a case change of the same address still verifies.
          if (result.ok) expect(result.email.toLowerCase()).toBe('ann@example.org');
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('round-trips any address', () => {
    fc.assert(
      fc.property(fc.emailAddress(), (email) => {
        expect(verifyUnsubscribeToken(createUnsubscribeToken(email, SECRET), SECRET)).toEqual({
          ok: true,
          email,
        });
      }),
    );
  });

  it('refuses to make a token without a secret', () => {
    expect(() => createUnsubscribeToken('ann@example.org', '')).toThrow(UnsubscribeTokenError);
    expect(verifyUnsubscribeToken('v1.YQ.YQ', '')).toEqual({ ok: false, reason: 'no-secret' });
  });
});

describe('webhook signatures', () => {
  const body = JSON.stringify({ type: 'statement.released', id: 'bscp-2024', revision: 1 });
  const now = 1_708_473_660;

  it('signs "<timestamp>.<body>" as sha256=<hex> and verifies over the same bytes', () => {
    const signed = signWebhook(body, SECRET, now);
    expect(signed.timestamp).toBe(String(now));
    expect(signed.signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifyWebhook({ body: Buffer.from(body), secret: SECRET, ...signed, now })).toEqual({
      ok: true,
    });
    expect(verifyWebhook({ body, secret: SECRET, ...signed, now: now + 10 })).toEqual({ ok: true });
  });

  it('rejects a changed body, a wrong secret and a replayed old timestamp', () => {
    const signed = signWebhook(body, SECRET, now);
    expect(verifyWebhook({ body: `${body} `, secret: SECRET, ...signed, now }).ok).toBe(false);
    expect(verifyWebhook({ body, secret: 'nope', ...signed, now })).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
    expect(verifyWebhook({ body, secret: SECRET, ...signed, now: now + 301 })).toEqual({
      ok: false,
      reason: 'stale',
    });
  });

  it('rejects a signature moved to another timestamp', () => {
    const signed = signWebhook(body, SECRET, now);
    expect(
      verifyWebhook({
        body,
        secret: SECRET,
        timestamp: String(now + 1),
        signature: signed.signature,
        now,
      }).ok,
    ).toBe(false);
  });

  it('accepts any one of several signatures (secret rotation)', () => {
    const old = signWebhook(body, 'old-secret', now);
    const current = signWebhook(body, SECRET, now);
    const signature = `${old.signature}, ${current.signature}`;
    expect(
      verifyWebhook({ body, secret: SECRET, timestamp: current.timestamp, signature, now }),
    ).toEqual({ ok: true });
  });

  it('never throws on junk headers', () => {
    fc.assert(
      fc.property(fc.option(fc.string()), fc.option(fc.string()), (timestamp, signature) => {
        const result = verifyWebhook({ body, secret: SECRET, timestamp, signature, now });
        expect(result.ok).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses a timestamp that is not whole seconds', () => {
    expect(() => signWebhook(body, SECRET, 1.5)).toThrow(WebhookSignatureError);
    expect(() => signWebhook(body, '', now)).toThrow(WebhookSignatureError);
  });
});
