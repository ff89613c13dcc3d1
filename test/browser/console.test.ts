/**
 * The newsroom console in a real browser (Debian's Chromium): the local stack with its
 * console; a statement dropped onto the upload box is listed as embargoed with its
 * journalists; its email opens as sent (desktop, phone, dark, text); axe finds no
 * WCAG 2.1 AA violation on any of these pages.
 */
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { previewState } from '../../cli/preview';
import { attachConsole, type NewsroomConsole } from '../../local/console';
import { startPreviewServer } from '../../local/console/preview';
import { EXAMPLES, startTestStack, type TestStack } from '../helpers/local-stack';
import { type AxeViolation, type Browser, DESKTOP, launchBrowser, runAxe } from './browser';

const SEED = '01-bscp-serious-case-review.json';

let stack: TestStack;
let newsroom: NewsroomConsole;
let browser: Browser;

beforeAll(async () => {
  stack = await startTestStack();
  newsroom = attachConsole(stack);
  // The console's CSP forbids inline scripts; axe is injected as one.
  browser = await launchBrowser(DESKTOP, { bypassCSP: true });
});

afterAll(async () => {
  await browser?.close();
  newsroom?.close();
  await stack?.stop();
});

const describeViolations = (violations: AxeViolation[]) =>
  violations
    .map(
      (v) => `${v.id}: ${v.help}\n${v.nodes.map((n) => `  ${n.target}: ${n.summary}`).join('\n')}`,
    )
    .join('\n');

async function expectAccessible(what: string): Promise<void> {
  const violations = await runAxe(browser.page);
  expect(violations, `${what}:\n${describeViolations(violations)}`).toEqual([]);
}

describe('the newsroom console in Chromium', { timeout: 120_000 }, () => {
  it('takes a statement dropped on the page and lists it as embargoed with its journalists', async () => {
    const { page } = browser;
    await page.goto(newsroom.url);
    expect(await page.locator('h1').textContent()).toBe('Newsroom');
    expect(await page.locator('#clock').textContent()).toBe(
      '09:00:00 GMT, Tuesday 20 February 2024',
    );
    await expectAccessible('the empty dashboard');

    const text = await readFile(join(EXAMPLES, SEED), 'utf8');
    const dataTransfer = await page.evaluateHandle(
      ([body, name]) => {
        const transfer = new DataTransfer();
        transfer.items.add(new File([body], name, { type: 'application/json' }));
        return transfer;
      },
      [text, SEED] as const,
    );
    await Promise.all([
      page.waitForURL(/\?uploaded=/),
      page.dispatchEvent('#dropzone', 'drop', { dataTransfer }),
    ]);

    expect(await page.getByRole('status').textContent()).toMatch(
      /Uploaded 01-bscp-serious-case-review\.json:\s+published \(bscp-2024-02-scr revision 1\)/,
    );
    const card = page.locator('article.card', { hasText: 'Publication of a Serious Case Review' });
    expect(await card.locator('.state').textContent()).toBe(
      'Embargoed until 00:01 GMT, Wednesday 21 February 2024',
    );
    expect(await card.getByText('4 journalists emailed.').count()).toBe(1);
    await card.getByText('Names of the 4 journalists emailed').click();
    const names = await card.locator('ul.names li').allTextContents();
    expect(names.map((n) => n.replace(/\s+/g, ' ').trim())).toEqual([
      'Amira Haddad (Midlands Evening Post) <amira.haddad@example.co.uk>',
      'Hannah Price (Community Care Weekly) <hannah.price@example.co.uk>',
      'Sophie Kowalska (Gazeta Midlands) <sophie.kowalska@example.com>',
      'Tom Whitfield (BBC West Midlands (example)) <tom.whitfield@example.com>',
    ]);
    await expectAccessible('the dashboard with an embargoed statement');
  });

  it('opens the email as sent, in desktop, phone, dark and text previews', async () => {
    const { page } = browser;
    await page.goto(newsroom.url);
    await page.getByRole('link', { name: 'Email as sent (revision 1)' }).click();
    expect(await page.locator('h1').textContent()).toBe(
      'Email as sent: revision 1 to "Amira Haddad" <amira.haddad@example.co.uk>',
    );
    const frame = page.frameLocator('iframe.email-frame');
    expect(await frame.locator('body').textContent()).toMatch(
      /EMBARGOED until 00:01 GMT, Wednesday 21 February 2024[\s\S]*Dear Amira Haddad,/,
    );
    await expectAccessible('the email page (desktop)');

    await page.getByRole('link', { name: 'Phone' }).click();
    expect(
      await page.locator('iframe.email-frame').evaluate((f) => f.getBoundingClientRect().width),
    ).toBe(375);

    await page.getByRole('link', { name: 'Dark mode' }).click();
    const banner = page.frameLocator('iframe.email-frame').locator('.herald-embargo-text').first();
    // The email's own dark palette: yellow text on the dark page.
    expect(await banner.evaluate((el) => getComputedStyle(el).color)).toBe('rgb(255, 221, 0)');
    await expectAccessible('the email page (dark)');

    await page.getByRole('link', { name: 'Text part' }).click();
    expect(await page.locator('pre.email-text').textContent()).toMatch(
      /^Dear Amira Haddad,[\s\S]*EMBARGOED until 00:01 GMT, Wednesday 21 February 2024/,
    );
  });

  it('shows the statement revision by revision, and refuses a file that is not JSON', async () => {
    const { page } = browser;
    await page.goto(newsroom.url);
    await page.getByRole('link', { name: 'Publication of a Serious Case Review' }).click();
    expect(await page.locator('h3#r1').textContent()).toBe('Revision 1: published');
    expect(
      await page.locator('.revision dd', { hasText: 'Until 00:01' }).first().textContent(),
    ).toBe('Until 00:01 GMT, Wednesday 21 February 2024.');
    expect(await page.locator('.revision summary', { hasText: 'X ' }).textContent()).toMatch(
      /^X \d+ of 280, Bluesky \d+ of 300, Mastodon \d+ of 500, LinkedIn \d+ of 3000$/,
    );
    await expectAccessible('the statement page');

    await page.goto(newsroom.url);
    await page.locator('#statement-file').setInputFiles({
      name: 'notes.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('not a statement'),
    });
    await Promise.all([
      page.waitForURL(/\?problem=/),
      page.getByRole('button', { name: 'Upload' }).click(),
    ]);
    expect(await page.getByRole('alert').textContent()).toContain(
      '“notes.txt” is not a .json file',
    );
    expect(stack.uploads.map((u) => u.file)).toEqual([SEED]);
  });

  it('herald preview follows the file as it is saved, and is accessible', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'herald-preview-'));
    const file = join(dir, 'draft.json');
    await copyFile(join(EXAMPLES, SEED), file);
    const preview = await startPreviewServer({
      file,
      port: 0,
      load: () => previewState(file, { now: new Date('2024-02-20T09:00:00Z') }),
      debounceMs: 20,
    });
    try {
      const { page } = browser;
      await page.goto(`${preview.url}/`);
      expect(await page.locator('.notice').textContent()).toBe('Valid.');
      await expectAccessible('the preview');
      // The page listens for changes; a save with a problem shows it beside the preview.
      await page.waitForFunction(() => document.body.dataset.liveEvents === '/events');
      const draft = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
      await writeFile(file, JSON.stringify({ ...draft, headline: 'x'.repeat(150) }));
      await page.locator('.issues-error').waitFor();
      expect(await page.locator('.warning').first().textContent()).toMatch(/^Not valid: /);
      await expectAccessible('the preview with problems');
    } finally {
      await preview.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
