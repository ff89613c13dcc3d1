/**
 * `npm run screenshots`: the README's pictures, written to docs/images/:
 * the seed example's email on a phone, as sent and in a forced-dark app (Gmail
 * or Outlook recolouring it), and the newsroom console on the demo story (every
 * example uploaded before the seed's lift). Run it after changing the email
 * template or the console, and commit the images.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { attachConsole } from '../../local/console';
import { EXAMPLES, startTestStack } from '../helpers/local-stack';
import { launchBrowser, PHONE, servePages, setForcedDark } from './browser';
import { exampleEmail } from './emails';

// The SDK's Node-version notice is about AWS, not this local run.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const OUT = join(import.meta.dirname, '..', '..', 'docs', 'images');
mkdirSync(OUT, { recursive: true });

const seed = await exampleEmail('01-bscp-serious-case-review.json');
const server = await servePages(new Map([['/seed.html', seed.html]]));
const browser = await launchBrowser(PHONE);
try {
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

// The console as `npm start` shows it: the examples in order, on the demo's clock.
const stack = await startTestStack({ now: new Date('2024-02-20T09:00:00Z') });
const newsroom = attachConsole(stack, { demo: true });
const desk = await launchBrowser({ width: 1100, height: 1500 });
try {
  for (const file of readdirSync(EXAMPLES)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    await stack.upload(file, await stack.readExample(file));
    await stack.drain();
  }
  await desk.page.goto(newsroom.url);
  writeFileSync(join(OUT, 'console.png'), await desk.page.screenshot({ animations: 'disabled' }));
  process.stdout.write('wrote docs/images/console.png\n');
} finally {
  await desk.close();
  newsroom.close();
  await stack.stop();
}
