/**
 * `herald preview <file>`: the console's pages on one statement file, re-rendered each
 * time the file is saved, with its problems beside the email. No stack, no emulators,
 * no AWS: the file is checked and rendered in process (the CLI gives `load`).
 *
 * Routes: `GET /` (the preview, `?view=desktop|phone|dark|text`), `GET /email.html`
 * (`?scheme=light|dark`), `GET /email.txt`, `GET /events` (a `change` after each render),
 * `/assets/*`.
 */
import { type FSWatcher, watch } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { basename, dirname } from 'node:path';
import type { Issue } from '../../core/types';
import { EMAIL_FRAME_HEADERS, emailForScheme } from './emails';
import { type Html, html } from './html';
import {
  ChangeFeed,
  listenOnLoopback,
  PAGE_HEADERS,
  refusal,
  sendPage,
  sendText,
  serveAsset,
} from './http';
import type { SocialPostView } from './social';
import { type EmailView, emailPanel, layout, parseView, socialCounts, socialTable } from './views';

/** One render of the file: what a comms officer needs beside the email. */
export interface PreviewState {
  file: string;
  /** ISO UTC of this render. */
  renderedAt: string;
  /** The time embargoes are judged at (now, or `--now`). */
  now: string;
  timeZone: string;
  errors: Issue[];
  warnings: Issue[];
  statement: {
    id: string;
    revision: number;
    status: 'publish' | 'withdraw';
    headline: string;
    embargo: string | null;
  } | null;
  email: { subject: string; from: string; to: string; html: string; text: string } | null;
  social: SocialPostView[] | null;
  partner: { type: string; attributes: Record<string, string> } | null;
}

export interface PreviewServerOptions {
  file: string;
  port: number;
  /** Checks and renders the file (never throws for a bad file: problems go in `errors`). */
  load: () => Promise<PreviewState>;
  /** Quiet time after a save before re-rendering (editors write in several steps). @default 200 */
  debounceMs?: number;
  /** Called after every render (the CLI prints a line; tests wait on it). */
  onRender?: (state: PreviewState) => void;
}

export interface PreviewServer {
  port: number;
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** The latest render. */
  readonly state: PreviewState;
  close(): Promise<void>;
}

export async function startPreviewServer(options: PreviewServerOptions): Promise<PreviewServer> {
  const feed = new ChangeFeed();
  let state = await options.load();
  let version = 1;
  let rendering: Promise<void> = Promise.resolve();
  const rerender = () => {
    rendering = rendering.then(async () => {
      state = await options.load();
      version += 1;
      feed.changed(0);
      options.onRender?.(state);
    });
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const refused = refusal(req);
    if (refused) return sendText(res, 403, refused);
    if (req.method !== 'GET') return sendText(res, 405, 'The preview only shows pages.');
    if (serveAsset(url.pathname, res)) return;
    if (url.pathname === '/events') return feed.subscribe(req, res);
    if (url.pathname === '/') {
      return sendPage(
        res,
        200,
        previewPage(state, parseView(url.searchParams.get('view')), version),
      );
    }
    if (url.pathname === '/email.html') {
      const scheme = url.searchParams.get('scheme') === 'dark' ? 'dark' : 'light';
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        ...EMAIL_FRAME_HEADERS,
      });
      return void res.end(emailForScheme(state.email?.html ?? '', scheme));
    }
    if (url.pathname === '/email.txt') return sendText(res, 200, state.email?.text ?? '');
    res.writeHead(404, PAGE_HEADERS);
    res.end(
      layout({
        title: 'Not found',
        body: html`<h1>Not found</h1><p><a href="/">The preview</a></p>`,
      }),
    );
  };

  const server = createServer(handle);
  const running = await listenOnLoopback(server, options.port, 'preview', '--port');

  // Watch the folder, not the file: editors often save by writing a new file and renaming it.
  const name = basename(options.file);
  let timer: NodeJS.Timeout | undefined;
  const watcher: FSWatcher = watch(dirname(options.file), (_event, changed) => {
    if (changed !== null && basename(changed.toString()) !== name) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(rerender, options.debounceMs ?? 200);
  });

  return {
    ...running,
    get state() {
      return state;
    },
    async close() {
      watcher.close();
      if (timer) clearTimeout(timer);
      feed.close();
      await rendering;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function issues(list: readonly Issue[], kind: 'error' | 'warning'): Html {
  return html`<ul class="issues issues-${kind}">${list.map(
    (i) => html`<li><code>${i.path === '' ? '(file)' : i.path}</code>: ${i.message}</li>`,
  )}</ul>`;
}

export function previewPage(state: PreviewState, view: EmailView, version: number): string {
  const s = state.statement;
  const verdict =
    state.errors.length > 0
      ? html`<p class="warning"><strong>Not valid:</strong> ${state.errors.length} problem${state.errors.length === 1 ? '' : 's'} to fix before it can be sent.</p>`
      : html`<p class="notice">Valid${state.warnings.length > 0 ? `, with ${state.warnings.length} warning${state.warnings.length === 1 ? '' : 's'}` : ''}.</p>`;
  return layout({
    title: `Preview: ${basename(state.file)}`,
    live: true,
    body: html`<h1>Preview: <code>${basename(state.file)}</code></h1>
<div id="live">
<p class="meta">Checked at ${state.renderedAt}, judging embargoes at ${state.now}. Save the file and this page follows.</p>
<div class="preview-grid">
<section aria-labelledby="checks-heading">
<h2 id="checks-heading">Checks</h2>
${verdict}
${state.errors.length > 0 ? html`<h3>Problems</h3>${issues(state.errors, 'error')}` : ''}
${state.warnings.length > 0 ? html`<h3>Warnings</h3>${issues(state.warnings, 'warning')}` : ''}
${
  s
    ? html`<h3>What Herald would do</h3>
<dl class="facts">
<dt>Statement</dt><dd><code>${s.id}</code> revision ${s.revision}</dd>
<dt>Status</dt><dd>${s.status === 'withdraw' ? 'Withdrawal: kill notices to everyone who had it' : s.revision > 1 ? 'Correction' : 'First publication'}</dd>
<dt>Embargo</dt><dd>${s.embargo ? `Until ${s.embargo}` : 'None: public at once'}</dd>
${state.partner ? html`<dt>Partners</dt><dd>${state.partner.type}</dd>` : ''}
</dl>`
    : ''
}
</section>
<section aria-labelledby="email-heading">
<h2 id="email-heading">Email</h2>
${
  state.email
    ? html`<dl class="facts">
<dt>Subject</dt><dd>${state.email.subject}</dd>
<dt>From</dt><dd>${state.email.from}</dd>
<dt>To</dt><dd>${state.email.to}</dd>
</dl>
${emailPanel({
  view,
  viewHref: (v) => `/?view=${v}`,
  frameSrc: (scheme) => `/email.html?scheme=${scheme}&v=${version}`,
  text: state.email.text,
  label: `the email of ${basename(state.file)}`,
})}`
    : html`<p>No email until the problems are fixed.</p>`
}
<h2>Social posts</h2>
${
  state.social
    ? html`<p>${socialCounts(state.social)}</p>${socialTable(state.social)}`
    : html`<p>${s?.status === 'withdraw' ? 'None: a withdrawal is not promoted.' : 'None until the problems are fixed.'}</p>`
}
</section>
</div>
</div>`,
  });
}
