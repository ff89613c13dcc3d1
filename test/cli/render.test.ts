/** `herald render`: the real CLI as a child process; the files it writes are read back with real parsers. */
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as cheerio from 'cheerio';
import { type AddressObject, type ParsedMail, simpleParser } from 'mailparser';
import twitterText from 'twitter-text';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partnerMessageSchema } from '../../core/envelope/schema';
import type { SocialCopy } from '../../core/types';
import { REPO } from '../helpers/local-stack';

const CLI = join(REPO, 'bin', 'herald.mjs');
const SEED = join(REPO, 'examples', 'statements', '01-bscp-serious-case-review.json');
const NOW = '2024-02-20T10:00:00Z';
const LIFT_DISPLAY = '00:01 GMT, Wednesday 21 February 2024';
const RECIPIENT = 'reporter@example.net';
const FILES = [
  'email.html',
  'email.txt',
  'email.eml',
  'social.json',
  'envelope.json',
  'attributes.json',
];

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function runCli(args: string[], cwd = REPO): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

function expectNoStack(stderr: string): void {
  expect(stderr).not.toMatch(/^\s{4}at /m);
}

/** Line-wrapping and indentation differ between the parts; compare words. */
function words(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function address(value: AddressObject | AddressObject[] | undefined): string[] {
  const list = value === undefined ? [] : Array.isArray(value) ? value : [value];
  return list.flatMap((a) => a.value.map((v) => v.address ?? ''));
}

/** A header as written, unfolded (mailparser folds List-* headers into one object). */
function rawHeader(mail: ParsedMail, key: string): string | undefined {
  const line = mail.headerLines.find((h) => h.key === key)?.line;
  return line
    ?.slice(line.indexOf(':') + 1)
    .replace(/\r?\n\s+/g, ' ')
    .trim();
}

let scratch: string;
let out: string;
let rendered: CliResult;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'herald-render-'));
  out = join(scratch, 'preview');
  rendered = await runCli(['render', SEED, '--out', out, '--recipient', RECIPIENT, '--now', NOW]);
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('herald render of the seed statement', () => {
  it('exits 0, writes the six files and says where they are', async () => {
    expect(rendered.stderr).toBe('');
    expect(rendered.code).toBe(0);
    expect((await readdir(out)).sort()).toEqual([...FILES].sort());
    expect(rendered.stdout).toContain(
      `Rendered bscp-2024-02-scr revision 1: "EMBARGOED until ${LIFT_DISPLAY}: Publication of a Serious Case Review"`,
    );
    for (const name of FILES) expect(rendered.stdout).toContain(join(out, name));
    // Run from the repository root: its herald.config.json is used.
    expect(rendered.stdout).toContain('Sender from herald.config.json.');
    expect(rendered.stdout).toContain(
      'From: "Birmingham Safeguarding Children Partnership" <press@example.org>',
    );
    expect(rendered.stdout).toContain(
      `Addressed to a sample journalist, Sam Sample <${RECIPIENT}>, so it opens "Dear Sam Sample," as sent emails do`,
    );
  });

  it('is exactly what goes out: the sample greeting in the HTML, the text and the raw message', async () => {
    const $ = cheerio.load(await readFile(join(out, 'email.html'), 'utf8'));
    expect($('p').filter((_, p) => $(p).text() === 'Dear Sam Sample,')).toHaveLength(1);
    const text = await readFile(join(out, 'email.txt'), 'utf8');
    expect(text.split('\n')[0]).toBe('Dear Sam Sample,');
    const mail = await simpleParser(await readFile(join(out, 'email.eml')));
    expect(mail.text).toBe(text);
    expect(mail.html).toBe(await readFile(join(out, 'email.html'), 'utf8'));
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.value : []).toEqual([
      { name: 'Sam Sample', address: RECIPIENT },
    ]);
  });

  it('email.html: en-GB, the headline as h1 and the EMBARGOED banner with the lift time', async () => {
    const $ = cheerio.load(await readFile(join(out, 'email.html'), 'utf8'));
    expect($('html').attr('lang')).toBe('en-GB');
    expect($('h1').first().text().trim()).toBe('Publication of a Serious Case Review');
    const banner = $('body *')
      .filter((_, el) => /^EMBARGOED\b/.test($(el).text().trim()))
      .last();
    expect(banner.length).toBe(1);
    expect(words(banner.text())).toContain(`EMBARGOED until ${LIFT_DISPLAY}`);
  });

  it('email.eml: raw MIME addressed to the recipient, Reply-To the media contact, one-click unsubscribe', async () => {
    const mail = await simpleParser(await readFile(join(out, 'email.eml')));
    expect(address(mail.to)).toEqual([RECIPIENT]);
    expect(address(mail.replyTo)).toEqual(['lawrence.vos@birminghamchildrenstrust.co.uk']);
    expect(address(mail.from)).toEqual(['press@example.org']);
    expect(mail.subject).toBe(
      `EMBARGOED until ${LIFT_DISPLAY}: Publication of a Serious Case Review`,
    );
    expect(rawHeader(mail, 'list-unsubscribe')).toMatch(/^<https:\/\/[^>\s]+>$/);
    expect(rawHeader(mail, 'list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    expect(rawHeader(mail, 'x-herald-statement')).toBe('bscp-2024-02-scr; revision=1');
    expect(words(mail.text ?? '')).toContain(`EMBARGOED until ${LIFT_DISPLAY}`);
    expect(mail.html).toContain('Publication of a Serious Case Review');
  });

  it('the email reads like the sample statement, in the text part and in the HTML', async () => {
    const statement = JSON.parse(await readFile(SEED, 'utf8')) as { body: string };
    const text = words(await readFile(join(out, 'email.txt'), 'utf8'));
    const $ = cheerio.load(await readFile(join(out, 'email.html'), 'utf8'));
    const html = words($('body').text());
    const paragraphs = statement.body
      .split(/\n\n/)
      .flatMap((block) => block.split('\n'))
      .map((line) => words(line.replace(/^- /, '')))
      .filter((line) => line !== '');
    expect(paragraphs.length).toBeGreaterThanOrEqual(10);
    const expected = [
      'Birmingham Safeguarding Children Partnership have today published an independent review',
      'Developments include',
      'Revised National Asylum-Seeking Support Services;',
      'Improved local discharge planning;',
      'Development of local Early Help and Family Support;',
      'Publication of a Birmingham Childhood Neglect Strategy and Delivery Plan;',
      'Penny Thompson CBE',
      'Independent Chair BSCP',
      '0121 303 1888',
      'Notes to editors',
      'Lawrence Vos',
      ...paragraphs,
    ];
    for (const phrase of expected) {
      expect(text, `email.txt: ${phrase}`).toContain(phrase);
      expect(html, `email.html: ${phrase}`).toContain(phrase);
    }
  });

  it('social.json: every platform with the lift as notBefore; X within twitter-text limits; Bluesky facets on byte offsets', async () => {
    const social = JSON.parse(await readFile(join(out, 'social.json'), 'utf8')) as SocialCopy;
    expect(Object.keys(social).sort()).toEqual(['bluesky', 'linkedin', 'mastodon', 'x']);
    for (const post of [social.x, social.bluesky, social.mastodon, social.linkedin]) {
      expect(post.notBefore).toBe('2024-02-21T00:01:00.000Z');
      expect(post.text).toContain('Publication of a Serious Case Review');
    }
    expect(twitterText.parseTweet(social.x.text).valid).toBe(true);
    const bytes = Buffer.from(social.bluesky.text, 'utf8');
    const link = social.bluesky.facets.find((f) =>
      f.features.some((x) => x.$type === 'app.bsky.richtext.facet#link'),
    );
    expect(link).toBeDefined();
    expect(bytes.subarray(link?.index.byteStart, link?.index.byteEnd).toString('utf8')).toBe(
      'https://lscpbirmingham.org.uk/case-reviews-and-audits/learning-from-reviews',
    );
  });

  it('envelope.json is a valid partner message; attributes.json holds the SNS MessageAttributes', async () => {
    const envelope: unknown = JSON.parse(await readFile(join(out, 'envelope.json'), 'utf8'));
    const parsed = partnerMessageSchema.safeParse(envelope);
    expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
    expect(parsed.data).toMatchObject({
      type: 'statement.published',
      dedupeKey: 'bscp-2024-02-scr#1#statement.published',
      sentAt: '2024-02-20T10:00:00.000Z',
    });

    const attributes = JSON.parse(await readFile(join(out, 'attributes.json'), 'utf8')) as Record<
      string,
      { DataType: string; StringValue: string }
    >;
    expect(Object.keys(attributes).sort()).toEqual([
      'embargoed',
      'kind',
      'organisation',
      'topics',
      'type',
    ]);
    for (const value of Object.values(attributes))
      expect(Object.keys(value).sort()).toEqual(['DataType', 'StringValue']);
    expect(attributes.type).toEqual({ DataType: 'String', StringValue: 'statement.published' });
    expect(attributes.embargoed?.StringValue).toBe('true');
    expect(attributes.topics?.DataType).toBe('String.Array');
    expect(JSON.parse(attributes.topics?.StringValue ?? '[]')).toEqual([
      'safeguarding',
      'case-reviews',
    ]);
  });
});

describe('herald render: configuration', () => {
  it('says the sender is an example value when no herald.config.json is given or found', async () => {
    const cwd = await mkdtemp(join(scratch, 'cwd-'));
    const result = await runCli(['render', SEED, '--out', 'out', '--now', NOW], cwd);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/example values/);
    const mail = await simpleParser(await readFile(join(cwd, 'out', 'email.eml')));
    expect(address(mail.from)).toEqual(['press@example.org']);
    // The example address, with the organisation's name as sent emails have it.
    expect(mail.from?.value[0]?.name).toBe('Birmingham Safeguarding Children Partnership');
    expect(address(mail.to)).toEqual(['journalist@example.com']);
  });

  it('follows sender.displayName, and --recipient-name "" shows an email without a greeting', async () => {
    const cwd = await mkdtemp(join(scratch, 'cwd-'));
    const config = JSON.parse(await readFile(join(REPO, 'herald.config.json'), 'utf8')) as {
      sender: { displayName?: string };
    };
    config.sender.displayName = 'shortName';
    await writeFile(join(cwd, 'herald.config.json'), JSON.stringify(config));
    const result = await runCli(
      ['render', SEED, '--out', 'out', '--now', NOW, '--recipient-name', ''],
      cwd,
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('From: "BSCP" <press@example.org>');
    expect(result.stdout).toContain('with no name');
    const mail = await simpleParser(await readFile(join(cwd, 'out', 'email.eml')));
    expect(mail.from?.value).toEqual([{ name: 'BSCP', address: 'press@example.org' }]);
    const text = await readFile(join(cwd, 'out', 'email.txt'), 'utf8');
    expect(text.startsWith('EMBARGOED until')).toBe(true);
  });

  it('uses ./herald.config.json from the working folder when present', async () => {
    const cwd = await mkdtemp(join(scratch, 'cwd-'));
    const config = JSON.parse(await readFile(join(REPO, 'herald.config.json'), 'utf8')) as {
      sender: { from: string };
    };
    config.sender.from = 'Westmere Press Desk <press@westmere.example.org>';
    await writeFile(join(cwd, 'herald.config.json'), JSON.stringify(config));
    const result = await runCli(['render', SEED, '--out', 'out', '--now', NOW], cwd);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Sender from herald.config.json.');
    expect(result.stdout).not.toMatch(/example values/);
    const mail = await simpleParser(await readFile(join(cwd, 'out', 'email.eml')));
    expect(address(mail.from)).toEqual(['press@westmere.example.org']);
  });

  it('takes --config over ./herald.config.json', async () => {
    const cwd = await mkdtemp(join(scratch, 'cwd-'));
    await copyFile(join(REPO, 'herald.config.json'), join(cwd, 'herald.config.json'));
    const config = JSON.parse(await readFile(join(REPO, 'herald.config.json'), 'utf8')) as {
      sender: { from: string };
    };
    config.sender.from = 'Other Desk <desk@other.example.org>';
    await writeFile(join(cwd, 'other.json'), JSON.stringify(config));
    const result = await runCli(
      ['render', SEED, '--out', 'out', '--now', NOW, '--config', 'other.json'],
      cwd,
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Sender from other.json.');
    const mail = await simpleParser(await readFile(join(cwd, 'out', 'email.eml')));
    expect(address(mail.from)).toEqual(['desk@other.example.org']);
  });

  it('exits 2 with the config errors as sentences for an invalid --config', async () => {
    const bad = join(scratch, 'bad-config.json');
    await writeFile(bad, JSON.stringify({ sender: 3 }));
    const result = await runCli(['render', SEED, '--out', join(scratch, 'never'), '--config', bad]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`^herald: Cannot use ${bad}:\\n`));
    expect(result.stderr).toMatch(/^ {2}sender: .+\.$/m);
    expect(result.stderr).toMatch(/^ {2}opsEmails: .+\.$/m);
    expectNoStack(result.stderr);
    await expect(readdir(join(scratch, 'never'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('exits 2 for a --config that does not exist', async () => {
    const result = await runCli([
      'render',
      SEED,
      '--out',
      join(scratch, 'never'),
      '--config',
      join(scratch, 'missing.json'),
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('the file does not exist');
    expectNoStack(result.stderr);
  });
});

describe('herald render: failures', () => {
  it('exits 1 for an invalid statement, lists its problems and writes nothing', async () => {
    const target = join(scratch, 'invalid-out');
    const result = await runCli([
      'render',
      join(REPO, 'examples', 'invalid', 'missing-required-fields.json'),
      '--out',
      target,
    ]);
    expect(result.code).toBe(1);
    for (const path of ['organisation', 'issued', 'body', 'mediaContact'])
      expect(result.stderr).toMatch(new RegExp(`missing-required-fields\\.json: ${path}: \\S`));
    expectNoStack(result.stderr);
    await expect(readdir(target)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('exits 2 with a sentence for a statement file that does not exist', async () => {
    const result = await runCli(['render', 'no-such.json', '--out', join(scratch, 'never')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('herald: cannot read no-such.json: cannot find no-such.json.\n');
  });

  it('exits 2 with a sentence when --out is a file', async () => {
    const file = join(scratch, 'a-file');
    await writeFile(file, 'x');
    const result = await runCli(['render', SEED, '--out', file, '--now', NOW]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `herald: cannot write the rendered files to ${file}: it is a file, not a folder.\n`,
    );
  });

  it('exits 2 without --out or with an unknown option, and 0 for --help', async () => {
    const [noOut, unknown, help] = await Promise.all([
      runCli(['render', SEED]),
      runCli(['render', SEED, '--out', join(scratch, 'never'), '--colour']),
      runCli(['render', '--help']),
    ]);
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toContain("required option '--out <dir>' not specified");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown option '--colour'");
    expectNoStack(unknown.stderr);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--recipient <email>');
  });
});
