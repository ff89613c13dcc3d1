/**
 * `npm run screenshots`: the README's "What journalists see" pictures, the
 * seed example's email on a phone, as sent and in a forced-dark app (Gmail or
 * Outlook recolouring it), written to docs/images/. Run it after changing the
 * email template and commit the images.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchBrowser, PHONE, servePages, setForcedDark } from './browser';
import { exampleEmail } from './emails';

const OUT = join(import.meta.dirname, '..', '..', 'docs', 'images');

const seed = await exampleEmail('01-bscp-serious-case-review.json');
const server = await servePages(new Map([['/seed.html', seed.html]]));
const browser = await launchBrowser(PHONE);
try {
  mkdirSync(OUT, { recursive: true });
  const { page } = browser;
  await page.goto(server.url('/seed.html'));
  for (const [file, forced] of [
    ['email-phone.png', false],
    ['email-phone-forced-dark.png', true],
  ] as const) {
    await setForcedDark(page, forced);
    writeFileSync(join(OUT, file), await page.screenshot({ animations: 'disabled' }));
    process.stdout.write(`wrote docs/images/${file}\n`);
  }
} finally {
  await browser.close();
  await server.close();
}
