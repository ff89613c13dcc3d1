import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigFile, parseConfig } from '../../core/config/load';
import { PARTNER_ACCOUNTS_REMOVED } from '../../core/config/schema';
import { ConfigError, HeraldError } from '../../core/errors';

const valid = {
  sender: { from: 'Herald Press Office <press@example.org>', sesIdentity: 'example.org' },
  opsEmails: ['ops@example.org'],
};

function errors(input: string) {
  const result = parseConfig(input);
  if (result.ok) throw new Error('expected errors');
  return result.errors;
}

describe('parseConfig', () => {
  it('accepts the committed herald.config.json', () => {
    const config = loadConfigFile(join(import.meta.dirname, '..', '..', 'herald.config.json'));
    expect(config.sender.from).toBe('Herald Press Office <press@example.org>');
    expect(config.press.sendRatePerSecond).toBe(14);
    expect(config.partners.subscriptions.map((s) => s.name)).toEqual([
      'police-partnership',
      'health-trust',
      'newsdesk-archive',
    ]);
    expect(config.website.hookUrl).toBe('https://example.org/hooks/rebuild');
  });

  it('applies defaults to a minimal config', () => {
    const result = parseConfig(JSON.stringify(valid));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.timezone).toBe('Europe/London');
    expect(result.config.press).toEqual({ sendRatePerSecond: 14, listKey: 'lists/press.csv' });
    expect(result.config.partners).toEqual({ subscriptions: [] });
    expect(result.config.sender.displayName).toBe('organisation');
  });

  it('takes sender.displayName as one of organisation, shortName, fixed', () => {
    const parsedWith = (displayName: unknown) =>
      parseConfig(JSON.stringify({ ...valid, sender: { ...valid.sender, displayName } }));
    const short = parsedWith('shortName');
    expect(short.ok && short.config.sender.displayName).toBe('shortName');
    const bad = parsedWith('Organisation');
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.errors).toEqual([
      {
        path: 'sender.displayName',
        message: 'sender.displayName must be one of "organisation", "shortName", "fixed".',
      },
    ]);
  });

  it('refuses partner accounts with what to do instead: Herald makes the subscriptions', () => {
    const list = errors(
      JSON.stringify({ ...valid, partners: { accounts: ['111122223333'], subscriptions: [] } }),
    );
    expect(list).toEqual([{ path: 'partners.accounts', message: PARTNER_ACCOUNTS_REMOVED }]);
    expect(PARTNER_ACCOUNTS_REMOVED).toMatch(/partners\.subscriptions/);
    expect(PARTNER_ACCOUNTS_REMOVED).toMatch(/docs\/partners\.md/);
    // An empty list (what older configs wrote by default) still loads.
    expect(parseConfig(JSON.stringify({ ...valid, partners: { accounts: [] } })).ok).toBe(true);
  });

  it('lists every problem at once, with paths and a did-you-mean', () => {
    const list = errors(
      JSON.stringify({
        sender: { form: 'press@example.org', sesIdentity: 'example.org' },
        opsEmails: [],
        press: { sendRatePerSecond: 0 },
        partners: {
          subscriptions: [{ name: 'police', protocol: 'https', endpoint: 'http://example.net/x' }],
        },
        websit: {},
      }),
    );
    const byPath = Object.fromEntries(list.map((i) => [i.path, i.message]));
    expect(byPath['sender.from']).toMatch(/^sender.from is required: add "from"/);
    expect(byPath['sender.form']).toBe('Unknown field "form": did you mean "from"?');
    expect(byPath.opsEmails).toMatch(/at least one address/);
    expect(byPath['press.sendRatePerSecond']).toMatch(/at least 1/);
    expect(byPath['partners.subscriptions.0.endpoint']).toMatch(/https:\/\/ URL/);
    expect(byPath.websit).toMatch(/did you mean "website"/);
  });

  it('explains wrong types in plain English where the schema has no message', () => {
    const list = errors(
      JSON.stringify({ ...valid, sender: { from: 42, sesIdentity: 'example.org' } }),
    );
    expect(list).toEqual([
      { path: 'sender.from', message: 'This must be text in double quotes, not a number.' },
    ]);
  });

  it('rejects reserved keys even inside a free-form filter policy', () => {
    const text = `{"sender": {"from": "a@example.org", "sesIdentity": "example.org"}, "opsEmails": ["a@example.org"],
      "partners": {"subscriptions": [{"name": "x", "protocol": "email", "endpoint": "a@example.org",
      "filterPolicy": {"__proto__": {"polluted": true}}}]}}`;
    expect(errors(text).map((i) => i.path)).toEqual([
      'partners.subscriptions.0.filterPolicy.__proto__',
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each(['email', 'lambda'])(
    'rejects rawMessageDelivery on a %s subscription (SNS allows it only for https and sqs)',
    (protocol) => {
      const endpoint =
        protocol === 'email'
          ? 'news@example.org'
          : 'arn:aws:lambda:eu-west-2:111122223333:function:partner-ingest';
      const subscription = { name: 'partner', protocol, endpoint, rawMessageDelivery: true };
      const list = errors(
        JSON.stringify({ ...valid, partners: { subscriptions: [subscription] } }),
      );
      expect(list).toEqual([
        {
          path: 'partners.subscriptions.0.rawMessageDelivery',
          message: `rawMessageDelivery is not available for ${protocol} subscriptions (SNS offers it only for https and sqs); remove it.`,
        },
      ]);
      const without = { ...subscription, rawMessageDelivery: false };
      expect(
        parseConfig(JSON.stringify({ ...valid, partners: { subscriptions: [without] } })).ok,
      ).toBe(true);
    },
  );

  it('reports JSON syntax errors with line and column', () => {
    expect(errors('{\n  "opsEmails": ["a@example.org",]\n}')).toEqual([
      { path: '', message: expect.stringMatching(/^line 2, column 32: remove this comma/) },
    ]);
  });
});

describe('loadConfigFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-config-'));

  it('throws a ConfigError listing each problem as "path: message"', () => {
    const path = join(dir, 'bad.json');
    writeFileSync(
      path,
      JSON.stringify({ ...valid, timezone: 'Mars/Olympus', press: { listKey: 'x' } }),
    );
    let thrown: unknown;
    try {
      loadConfigFile(path);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect(thrown).toBeInstanceOf(HeraldError);
    const error = thrown as ConfigError;
    expect(error.name).toBe('ConfigError');
    expect(error.issues.map((i) => i.path)).toEqual(['timezone', 'press.listKey']);
    expect(error.message).toContain(`Cannot use ${path}:`);
    expect(error.message).toContain('  timezone: timezone must be an IANA zone');
    expect(error.message).toContain('  press.listKey: press.listKey must be a CSV under lists/');
  });

  it('throws a ConfigError for a missing file', () => {
    expect(() => loadConfigFile(join(dir, 'nope.json'))).toThrow(/does not exist/);
    expect(() => loadConfigFile(join(dir, 'nope.json'))).toThrow(ConfigError);
  });
});

describe('parseConfig: filter policies', () => {
  it('checks each subscription filter policy with SNS rules', () => {
    const list = errors(
      JSON.stringify({
        ...valid,
        partners: {
          subscriptions: [
            {
              name: 'police',
              protocol: 'https',
              endpoint: 'https://example.net/x',
              filterPolicy: { type: 'statement.released' },
            },
          ],
        },
      }),
    );
    expect(list.length).toBeGreaterThan(0);
    expect(list.every((i) => i.path.startsWith('partners.subscriptions.0.filterPolicy'))).toBe(
      true,
    );
  });
});
