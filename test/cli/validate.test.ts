/** `herald validate`: the real CLI as a child process (and validateFile in process). */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type FileVerdict, validateFile } from '../../cli/validate';
import { REPO } from '../helpers/local-stack';

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function runCli(args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['bin/herald.mjs', ...args],
      { cwd: REPO, timeout: 60_000 },
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

const STATEMENTS = readdirSync(join(REPO, 'examples', 'statements'))
  .filter((name) => name.endsWith('.json'))
  .sort()
  .map((name) => `examples/statements/${name}`);

/** The paths each invalid example must report (examples/invalid/README.md); `''` is the whole file. */
const INVALID: Record<string, string[]> = {
  'bad-id.json': ['id'],
  'bad-timezone.json': ['embargo.timezone'],
  'correction-missing.json': ['correction'],
  'deep-nesting.json': [''],
  'embargo-without-offset.json': ['embargo.until'],
  'empty.json': [''],
  'headline-control-character.json': ['headline'],
  'headline-line-break.json': ['headline'],
  'headline-too-long.json': ['headline'],
  'http-link.json': ['links.0.url'],
  'impossible-date.json': ['issued'],
  'javascript-link.json': ['links.0.url'],
  'json-syntax-error.json': [''],
  'media-contact-unreachable.json': ['mediaContact'],
  'missing-required-fields.json': ['organisation', 'issued', 'body', 'mediaContact'],
  'not-utf8.json': [''],
  'proto-key.json': ['__proto__'],
  'root-is-array.json': [''],
  'too-large.json': [''],
  'too-many-links.json': ['links'],
  'unknown-field-typo.json': ['headlin'],
  'utf16.json': [''],
  'withdraw-without-reason.json': ['withdrawalReason'],
};

describe('herald validate: valid statements', () => {
  it('accepts every example statement with exit 0, and warns that the 01 embargo has passed', async () => {
    expect(STATEMENTS.length).toBeGreaterThanOrEqual(6);
    const result = await runCli(['validate', ...STATEMENTS, '--json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const verdicts = JSON.parse(result.stdout) as FileVerdict[];
    expect(verdicts.map((v) => v.file)).toEqual(STATEMENTS);
    for (const verdict of verdicts) {
      expect(Object.keys(verdict).sort()).toEqual(['errors', 'file', 'valid', 'warnings']);
      expect(verdict, verdict.file).toMatchObject({ valid: true, errors: [] });
    }
    const first = verdicts.find((v) => v.file.includes('01-bscp'));
    expect(first?.warnings).toEqual([
      expect.objectContaining({
        path: 'embargo.until',
        message: expect.stringMatching(/already passed/),
      }),
    ]);
  });

  it('prints one line per file, and the warning as file: path: message', async () => {
    const result = await runCli(['validate', ...STATEMENTS]);
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toContain(
      'examples/statements/01-bscp-serious-case-review.json: valid (1 warning)',
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^examples\/statements\/01-bscp-serious-case-review\.json: warning: embargo\.until: The embargo lifted at 00:01 GMT, Wednesday 21 February 2024/,
      ),
    );
    expect(lines).toContain('examples/statements/02-westmere-council-winter-gritting.json: valid');
  });

  it('judges the embargo at --now: before the lift there is no warning', async () => {
    const result = await runCli([
      'validate',
      'examples/statements/01-bscp-serious-case-review.json',
      '--json',
      '--now',
      '2024-02-20T10:00:00Z',
    ]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([
      {
        file: 'examples/statements/01-bscp-serious-case-review.json',
        valid: true,
        errors: [],
        warnings: [],
      },
    ]);
  });
});

describe('herald validate: invalid statements', () => {
  it('rejects every invalid example with exit 1 and the expected field paths in --json', async () => {
    const files = Object.keys(INVALID).map((name) => `examples/invalid/${name}`);
    const result = await runCli(['validate', ...files, '--json']);
    expect(result.code).toBe(1);
    expectNoStack(result.stderr);
    const verdicts = JSON.parse(result.stdout) as FileVerdict[];
    expect(verdicts).toHaveLength(files.length);
    for (const verdict of verdicts) {
      const name = verdict.file.replace('examples/invalid/', '');
      expect(verdict.valid, name).toBe(false);
      const paths = verdict.errors.map((e) => e.path);
      for (const path of INVALID[name] ?? ['(not listed)']) expect(paths, name).toContain(path);
      for (const error of verdict.errors) expect(error.message, name).toMatch(/\S/);
    }
  });

  it('covers every file in examples/invalid', () => {
    const onDisk = readdirSync(join(REPO, 'examples', 'invalid')).filter((n) =>
      n.endsWith('.json'),
    );
    expect(onDisk.sort()).toEqual(Object.keys(INVALID).sort());
  });

  it('lists problems as file: path: message lines, (file) for the whole file, exit 1', async () => {
    const result = await runCli([
      'validate',
      'examples/invalid/missing-required-fields.json',
      'examples/invalid/json-syntax-error.json',
    ]);
    expect(result.code).toBe(1);
    const lines = result.stdout.trimEnd().split('\n');
    for (const path of ['organisation', 'issued', 'body', 'mediaContact']) {
      expect(lines).toContainEqual(
        expect.stringMatching(
          new RegExp(`^examples/invalid/missing-required-fields\\.json: ${path}: \\S`),
        ),
      );
    }
    expect(lines).toContainEqual(
      expect.stringMatching(/^examples\/invalid\/json-syntax-error\.json: \(file\): line \d+/),
    );
  });

  it('exits 1 when one file of several is invalid', async () => {
    const result = await runCli([
      'validate',
      'examples/statements/02-westmere-council-winter-gritting.json',
      'examples/invalid/bad-id.json',
      '--json',
    ]);
    expect(result.code).toBe(1);
    expect((JSON.parse(result.stdout) as FileVerdict[]).map((v) => v.valid)).toEqual([true, false]);
  });
});

describe('herald validate: usage and unreadable paths', () => {
  it('exits 2 with a sentence for a file that does not exist', async () => {
    const result = await runCli(['validate', 'no-such-statement.json']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      'herald: cannot read no-such-statement.json: cannot find no-such-statement.json.\n',
    );
  });

  it('exits 2 for a folder, and reports it inside the --json array too', async () => {
    const result = await runCli([
      'validate',
      'examples/statements/02-westmere-council-winter-gritting.json',
      'examples',
      '--json',
    ]);
    expect(result.code).toBe(2);
    const verdicts = JSON.parse(result.stdout) as FileVerdict[];
    expect(verdicts[0]?.valid).toBe(true);
    expect(verdicts[1]).toMatchObject({ file: 'examples', valid: false });
    expect(verdicts[1]?.errors[0]?.message).toMatch(/folder, not a file/);
  });

  it('exits 2 for an unknown option, no files, or a bad --now, without a stack trace', async () => {
    const unknown = await runCli(['validate', '--bogus', 'examples/invalid/bad-id.json']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown option '--bogus'");
    expectNoStack(unknown.stderr);

    const none = await runCli(['validate']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("missing required argument 'files'");

    const badNow = await runCli(['validate', STATEMENTS[0] ?? '', '--now', 'yesterday']);
    expect(badNow.code).toBe(2);
    expect(badNow.stderr).toBe(
      'herald: --now must be an ISO 8601 time such as 2024-02-20T09:00:00Z, not "yesterday".\n',
    );
  });

  it('exits 0 for --help on the program and on every command', async () => {
    const commands = [
      ['--help'],
      ['help'],
      ['validate', '--help'],
      ['render', '--help'],
      ['status', '--help'],
      ['dev', '--help'],
    ];
    const results = await Promise.all(commands.map((args) => runCli(args)));
    for (const [i, result] of results.entries()) {
      const label = commands[i]?.join(' ');
      expect(result.code, label).toBe(0);
      expect(result.stdout, label).toMatch(/^Usage: herald/);
    }
    // Six CLI processes at once (dev loads the emulators): on a shared, busy machine
    // they need more than the default 30 s.
  }, 120_000);

  it('prints the version from package.json for --version and -V', async () => {
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
    const [long, short] = await Promise.all([runCli(['--version']), runCli(['-V'])]);
    for (const result of [long, short]) {
      expect(result.code).toBe(0);
      expect(result.stdout).toBe(`${pkg.version}\n`);
    }
  });

  it('exits 2 for an unknown command', async () => {
    const result = await runCli(['publish', 'x.json']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown command 'publish'");
  });
});

describe('herald validate: a long statement', () => {
  it('is valid, with a warning that Gmail will clip its email', async () => {
    const seed = JSON.parse(
      readFileSync(join(REPO, 'examples/statements/01-bscp-serious-case-review.json'), 'utf8'),
    ) as { body: string };
    const finding = (n: number) =>
      `## Finding ${n}\n\n${seed.body.slice(0, 400)}\n\n${Array.from(
        { length: 12 },
        (_, i) => `- [Evidence ${n}.${i + 1}](https://www.example.org/evidence/${n}-${i + 1})`,
      ).join('\n')}\n\n`;
    let body = '';
    for (let n = 1; body.length < 40_000; n++) body += finding(n);
    const file = join(mkdtempSync(join(tmpdir(), 'herald-validate-')), 'long.json');
    writeFileSync(file, JSON.stringify({ ...seed, body: body.slice(0, 40_000) }));

    const result = await runCli(['validate', file, '--now', '2024-02-20T10:00:00Z']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`${file}: valid (1 warning)`);
    expect(result.stdout).toMatch(
      /: warning: body: The email will be at least \d+ KB, close to or over the 100 KB or so that Gmail shows before it hides the rest behind "View entire message"\. It will still go out;/,
    );
  });
});

describe('validateFile (in process)', () => {
  it('returns the verdict for one file and throws the read error for a missing one', async () => {
    const now = new Date('2024-02-20T10:00:00Z');
    const verdict = await validateFile(join(REPO, 'examples/invalid/bad-id.json'), now);
    expect(verdict).toMatchObject({ valid: false, errors: [{ path: 'id' }], warnings: [] });
    await expect(validateFile(join(REPO, 'no-such.json'), now)).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });
});
