/**
 * Shared helpers for the browser tests: Debian's Chromium driven by
 * playwright-core (no browser download), pages served from 127.0.0.1, axe-core
 * injected from its npm package, colour contrast from computed styles and from
 * pixels (for what a client's forced dark mode paints).
 *
 * One browser per test file (`launchBrowser` in beforeAll, `close` in
 * afterAll); reuse its page. Nothing reaches the network: every request not to
 * 127.0.0.1 is aborted.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import axe from 'axe-core';
import {
  type BrowserContext,
  type CDPSession,
  chromium,
  type Locator,
  type Page,
} from 'playwright-core';

/** Where `.ci/run` (and `apt-get install chromium`) puts Debian's Chromium; override with HERALD_CHROMIUM. */
export const CHROMIUM_PATH = process.env.HERALD_CHROMIUM ?? '/usr/bin/chromium';

/** Headless, and quiet: no sandbox (CI runs as root), GPU, QUIC, sync, updates or first-run UI. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
] as const;

/** A phone screen (iPhone SE/mini width) and a desktop mail window. */
export interface Viewport {
  width: number;
  height: number;
}
export const PHONE: Viewport = { width: 375, height: 812 };
export const DESKTOP: Viewport = { width: 1024, height: 800 };

export interface Browser {
  context: BrowserContext;
  /** One page for the whole file: navigate it rather than opening more. */
  page: Page;
  close(): Promise<void>;
}

/** Chromium is missing: say how to get it rather than fail obscurely. */
export class ChromiumMissingError extends Error {
  override readonly name = 'ChromiumMissingError';
  constructor(path: string) {
    super(
      `Chromium is not at ${path}. Install Debian's package (apt-get install -y chromium; .ci/run does this) or set HERALD_CHROMIUM to a Chromium binary.`,
    );
  }
}

/**
 * Launch Chromium headless with a fresh profile (--user-data-dir) and one page.
 * `bypassCSP` lets axe be injected into pages whose Content-Security-Policy
 * forbids inline scripts (the newsroom console's).
 */
export async function launchBrowser(
  viewport: Viewport = DESKTOP,
  options: { bypassCSP?: boolean } = {},
) {
  if (!existsSync(CHROMIUM_PATH)) throw new ChromiumMissingError(CHROMIUM_PATH);
  const profile = await mkdtemp(join(tmpdir(), 'herald-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS],
    viewport,
    bypassCSP: options.bypassCSP === true,
    // Screenshots identical from run to run: no animations, one pixel per CSS pixel.
    deviceScaleFactor: 1,
    reducedMotion: 'reduce',
  });
  await context.route(
    (url) => url.hostname !== '127.0.0.1',
    (route) => route.abort('blockedbyclient'),
  );
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  } satisfies Browser;
}

export interface StaticServer {
  /** `http://127.0.0.1:<port>/<path>` */
  url(path: string): string;
  close(): Promise<void>;
}

/** Serve fixed pages (path → HTML) on 127.0.0.1 on a free port; anything else is a 404. */
export async function servePages(pages: ReadonlyMap<string, string>): Promise<StaticServer> {
  const server = createServer((req, res) => {
    const body = pages.get(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    if (body === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path) => `http://127.0.0.1:${port}${path.startsWith('/') ? path : `/${path}`}`,
    close: () =>
      new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      ),
  };
}

declare global {
  interface Window {
    /** axe-core, once runAxe has injected it. */
    axe?: typeof axe;
  }
}

/** The rules a UK public body must meet (WCAG 2.1 AA), by axe tag. */
export const WCAG21AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] as const;

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  /** CSS selectors and the failure summary of each element, for the assertion message. */
  nodes: Array<{ target: string; summary: string }>;
}

/** Run axe-core (injected from node_modules, not fetched) on the page; WCAG 2.1 AA violations only. */
export async function runAxe(page: Page): Promise<AxeViolation[]> {
  const loaded = await page.evaluate(() => window.axe !== undefined);
  if (!loaded) await page.addScriptTag({ content: axe.source });
  return page.evaluate(async (tags) => {
    const engine = window.axe;
    if (!engine) throw new Error('axe-core did not load');
    const result = await engine.run(document, { runOnly: { type: 'tag', values: [...tags] } });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact ?? null,
      help: v.help,
      nodes: v.nodes.map((n) => ({
        target: n.target.map(String).join(' '),
        summary: n.failureSummary ?? '',
      })),
    }));
  }, WCAG21AA);
}

// The override lasts as long as the DevTools session that set it: keep one per page.
const devtools = new WeakMap<Page, CDPSession>();

/**
 * What a client's forced dark mode does (Gmail and Outlook apps recolour
 * emails themselves, whatever their CSS says): Chromium's own auto-dark
 * algorithm, the one Android WebView uses, through the DevTools protocol.
 */
export async function setForcedDark(page: Page, enabled: boolean): Promise<void> {
  let cdp = devtools.get(page);
  if (!cdp) {
    cdp = await page.context().newCDPSession(page);
    devtools.set(page, cdp);
  }
  await cdp.send('Emulation.setAutoDarkModeOverride', { enabled });
}

export type Rgb = readonly [number, number, number];

/** WCAG 2.1 relative luminance. */
export function luminance([r, g, b]: Rgb): number {
  const channel = (c: number) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
}

/** WCAG 2.1 contrast ratio, 1 to 21. */
export function contrastRatio(a: Rgb, b: Rgb): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/**
 * The text colour of an element and the background it sits on (the first
 * opaque background up its ancestors), from computed styles: what a client
 * that honours the email's CSS (and prefers-color-scheme) shows.
 */
export async function computedColours(locator: Locator): Promise<{ text: Rgb; background: Rgb }> {
  return locator.evaluate((el): { text: Rgb; background: Rgb } => {
    const rgb = (value: string): [number, number, number, number] => {
      const [r = 0, g = 0, b = 0, a = 1] = (value.match(/[\d.]+/g) ?? []).map(Number);
      return [r, g, b, value.startsWith('rgba') ? a : 1];
    };
    const [r, g, b] = rgb(getComputedStyle(el).color);
    for (let node: Element | null = el; node; node = node.parentElement) {
      const [br, bg, bb, alpha] = rgb(getComputedStyle(node).backgroundColor);
      if (alpha === 1) return { text: [r, g, b], background: [br, bg, bb] };
    }
    return { text: [r, g, b], background: [255, 255, 255] };
  });
}

/**
 * Contrast of an element as painted, from a screenshot of it: the most common
 * colour is the background, and the text is the colour (covering at least
 * 0.5% of the pixels, so anti-aliasing and stray pixels don't count) that
 * contrasts most with it. Works whatever recoloured the page (forced dark).
 */
export async function paintedContrast(locator: Locator): Promise<{
  ratio: number;
  background: Rgb;
  text: Rgb;
}> {
  const png = await locator.screenshot({ animations: 'disabled' });
  const page = await locator.page().context().newPage();
  try {
    const counts = await page.evaluate(async (base64) => {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
      const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
      const context = canvas.getContext('2d');
      if (!context) throw new Error('no 2d canvas');
      context.drawImage(bitmap, 0, 0);
      const { data } = context.getImageData(0, 0, bitmap.width, bitmap.height);
      const histogram: Record<string, number> = {};
      for (let i = 0; i < data.length; i += 4) {
        const key = `${data[i]},${data[i + 1]},${data[i + 2]}`;
        histogram[key] = (histogram[key] ?? 0) + 1;
      }
      return histogram;
    }, png.toString('base64'));
    const entries = Object.entries(counts).map(([key, n]) => {
      const [r = 0, g = 0, b = 0] = key.split(',').map(Number);
      const colour: Rgb = [r, g, b];
      return [colour, n] as const;
    });
    const total = entries.reduce((sum, [, n]) => sum + n, 0);
    const [background] = entries.reduce((a, b) => (b[1] > a[1] ? b : a));
    let best = { ratio: 1, text: background };
    for (const [colour, n] of entries) {
      if (n / total < 0.005) continue;
      const ratio = contrastRatio(colour, background);
      if (ratio > best.ratio) best = { ratio, text: colour };
    }
    return { ratio: best.ratio, background, text: best.text };
  } finally {
    await page.close();
  }
}
