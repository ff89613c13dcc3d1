/**
 * Every example statement's email in a real browser (Debian's Chromium):
 * axe finds no WCAG 2.1 AA violation in light or dark mode, the EMBARGOED
 * banner keeps 4.5:1 contrast in light, dark and forced-dark rendering, and on
 * a phone nothing overflows and no kept token (a date, a reference, a phone
 * number) breaks across lines. Screenshots go to test-results/browser/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Browser,
  computedColours,
  contrastRatio,
  DESKTOP,
  launchBrowser,
  PHONE,
  paintedContrast,
  runAxe,
  type StaticServer,
  servePages,
  setForcedDark,
  type Viewport,
} from './browser';
import { type ExampleEmail, exampleEmails } from './emails';

const SCREENSHOTS = join(import.meta.dirname, '..', '..', 'test-results', 'browser');
const AA_TEXT = 4.5;

let browser: Browser;
let server: StaticServer;
let emails: ExampleEmail[];

beforeAll(async () => {
  emails = await exampleEmails();
  server = await servePages(new Map(emails.map((e) => [`/${e.name}.html`, e.html])));
  browser = await launchBrowser(DESKTOP);
  mkdirSync(SCREENSHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Open an example's email in the shared page, in light, dark or forced-dark rendering. */
async function open(
  email: ExampleEmail,
  mode: 'light' | 'dark' | 'forced-dark',
  width: Viewport = DESKTOP,
) {
  const { page } = browser;
  await page.setViewportSize(width);
  await page.emulateMedia({ colorScheme: mode === 'dark' ? 'dark' : 'light' });
  await setForcedDark(page, mode === 'forced-dark');
  await page.goto(server.url(`/${email.name}.html`));
  return page;
}

const describeViolations = (violations: Awaited<ReturnType<typeof runAxe>>) =>
  violations
    .map(
      (v) => `${v.id}: ${v.help}\n${v.nodes.map((n) => `  ${n.target}: ${n.summary}`).join('\n')}`,
    )
    .join('\n');

// Each test walks every example in one page; on a busy shared machine that can pass 30 s.
describe('example emails in Chromium', { timeout: 120_000 }, () => {
  it('covers every example, at least one of them embargoed', () => {
    expect(emails.length).toBeGreaterThanOrEqual(6);
    expect(emails.filter((e) => e.embargoed).length).toBeGreaterThanOrEqual(2);
  });

  it('have no WCAG 2.1 AA violation (axe), in light and dark mode', async () => {
    for (const email of emails) {
      for (const mode of ['light', 'dark'] as const) {
        const page = await open(email, mode);
        const violations = await runAxe(page);
        expect(violations, `${email.name} (${mode}):\n${describeViolations(violations)}`).toEqual(
          [],
        );
      }
    }
  });

  it('keep the EMBARGOED banner at 4.5:1 or more in light and dark mode (computed styles)', async () => {
    for (const email of emails.filter((e) => e.embargoed)) {
      for (const mode of ['light', 'dark'] as const) {
        const page = await open(email, mode);
        const banner = page.locator('.herald-embargo-text');
        await expect(banner.textContent()).resolves.toMatch(/^EMBARGOED until /);
        const { text, background } = await computedColours(banner);
        expect(
          contrastRatio(text, background),
          `${email.name} (${mode}): ${text} on ${background}`,
        ).toBeGreaterThanOrEqual(AA_TEXT);
      }
    }
  });

  it('keep the EMBARGOED banner legible as painted, in light, dark and forced-dark (Gmail and Outlook apps) rendering', async () => {
    for (const email of emails.filter((e) => e.embargoed)) {
      for (const mode of ['light', 'dark', 'forced-dark'] as const) {
        const page = await open(email, mode, PHONE);
        const painted = await paintedContrast(page.locator('.herald-embargo-box'));
        expect(
          painted.ratio,
          `${email.name} (${mode}): ${painted.text} on ${painted.background}`,
        ).toBeGreaterThanOrEqual(AA_TEXT);
      }
    }
    await setForcedDark(browser.page, false);
  });

  it('fit a phone screen: nothing wider than 375 px, no kept token split across lines', async () => {
    for (const email of emails) {
      const page = await open(email, 'light', PHONE);
      const layout = await page.evaluate(() => ({
        width: document.documentElement.scrollWidth,
        split: [...document.querySelectorAll('[style*="white-space:nowrap"]')]
          .filter((el) => el.getClientRects().length > 1)
          .map((el) => el.textContent ?? ''),
      }));
      expect(layout.width, email.name).toBeLessThanOrEqual(PHONE.width);
      expect(layout.split, email.name).toEqual([]);
    }
  });

  it('take phone, dark and forced-dark screenshots of every example', async () => {
    for (const email of emails) {
      for (const mode of ['light', 'dark', 'forced-dark'] as const) {
        const page = await open(email, mode, PHONE);
        const png = await page.screenshot({ fullPage: true, animations: 'disabled' });
        // A PNG as wide as the phone (IHDR width, bytes 16-19), the whole email tall.
        expect(png.readUInt32BE(16)).toBe(PHONE.width);
        expect(png.readUInt32BE(20)).toBeGreaterThan(PHONE.height / 2);
        writeFileSync(join(SCREENSHOTS, `${email.name}-phone-${mode}.png`), png);
      }
    }
    await setForcedDark(browser.page, false);
  });
});
