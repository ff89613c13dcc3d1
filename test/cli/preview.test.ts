/**
 * `herald preview`: one file checked and rendered as validate and render would, served as
 * a page that follows the file as it is saved, with the problems beside the email.
 */
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'cheerio';
import { afterEach, describe, expect, it } from 'vitest';
import { previewState } from '../../cli/preview';
import { type PreviewState, startPreviewServer } from '../../local/console/preview';
import { EXAMPLES, REPO } from '../helpers/local-stack';

const NOW = new Date('2024-02-20T09:00:00Z');
const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

describe('previewState', () => {
  it('renders a valid statement as a journalist gets it, with its social counts', async () => {
    const state = await previewState(
      join(EXAMPLES, '07-bscp-serious-case-review-lift-moved.json'),
      {
        now: NOW,
      },
    );
    expect(state.errors).toEqual([]);
    // Alone, a correction says what can happen to the embargo it names.
    expect(state.warnings.map((w) => w.path)).toEqual(['revision']);
    expect(state.statement).toMatchObject({
      id: 'bscp-2024-02-scr',
      revision: 3,
      embargo: '10:00 GMT, Wednesday 21 February 2024',
    });
    expect(state.email?.subject).toMatch(/^CORRECTION: EMBARGOED until 10:00 GMT/);
    expect(state.email?.text).toMatch(/^Dear Sam Sample,/);
    expect(load(state.email?.html ?? '')('body').text()).toContain('Dear Sam Sample,');
    expect(state.social?.map((p) => p.platform)).toEqual(['X', 'Bluesky', 'Mastodon', 'LinkedIn']);
    expect(state.partner?.type).toBe('statement.corrected');
  });

  it('lists every problem of an invalid file and renders nothing', async () => {
    const state = await previewState(join(REPO, 'examples/invalid/http-link.json'), { now: NOW });
    expect(state.errors.map((e) => e.path)).toContain('links.0.url');
    expect(state.email).toBeNull();
    expect(state.social).toBeNull();
  });
});

describe('the preview page', () => {
  it('follows the file as it is saved: problems appear beside the preview, then go', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'herald-preview-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'draft.json');
    await copyFile(join(EXAMPLES, '02-westmere-council-winter-gritting.json'), file);

    // Saves can raise more than one file event: wait for the render that shows the change.
    const waiting: Array<{ until: (s: PreviewState) => boolean; done: (s: PreviewState) => void }> =
      [];
    const renderWhere = (until: (s: PreviewState) => boolean) =>
      new Promise<PreviewState>((done) => waiting.push({ until, done }));
    const server = await startPreviewServer({
      file,
      port: 0,
      load: () => previewState(file, { now: NOW }),
      debounceMs: 20,
      onRender: (state) => {
        for (const w of waiting.splice(0)) {
          if (w.until(state)) w.done(state);
          else waiting.push(w);
        }
      },
    });
    cleanup.push(() => server.close());
    const page = async (path = '/') => load(await (await fetch(`${server.url}${path}`)).text());

    let $ = await page();
    expect($('h1').text()).toBe('Preview: draft.json');
    expect($('.notice').text()).toBe('Valid.');
    expect($('iframe').attr('title')).toBe('the email of draft.json, desktop preview');

    const broken = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    broken.headline = '';
    const rendered = renderWhere((s) => s.errors.length > 0);
    await writeFile(file, JSON.stringify(broken));
    expect((await rendered).errors.map((e) => e.path)).toContain('headline');
    $ = await page();
    expect($('.warning').text()).toMatch(/^Not valid: 1 problem to fix/);
    expect($('.issues-error li').first().text()).toMatch(/^headline: /);
    expect($('iframe')).toHaveLength(0);

    const fixed = renderWhere((s) => s.errors.length === 0);
    await copyFile(join(EXAMPLES, '02-westmere-council-winter-gritting.json'), file);
    expect((await fixed).errors).toEqual([]);
    $ = await page('/?view=text');
    expect($('pre.email-text').text()).toMatch(/^Dear Sam Sample,/);
    const email = await fetch(`${server.url}/email.html?scheme=dark`);
    expect(email.headers.get('content-security-policy')).toMatch(/^sandbox; default-src 'none'/);
    expect(await email.text()).toContain('@media all');
  });
});
