// Over 400 lines because it holds every console page template, one short function per part of a page.
/**
 * The console's pages, rendered on the server from the model (model.ts) with the
 * escaping `html` tag: every value from a statement, a file name or a message is text,
 * never markup. No external resources: one stylesheet and one small script, both served
 * by the console itself. The layout is plain HTML with landmarks, one h1 per page and
 * headings in order; states are words, not colours alone.
 */
import { formatInstant } from '../../core/status/time';
import type { Issue } from '../../core/types';
import type { ColourScheme } from './emails';
import { type Html, type HtmlValue, html } from './html';
import type {
  ClockView,
  ConsoleSnapshot,
  ConsoleState,
  Journalist,
  RevisionView,
  SocialPostView,
  StatementView,
  UploadView,
} from './model';

export interface LayoutOptions {
  title: string;
  clock?: ClockView | null;
  /** Live pages refresh their `#live` region when the stack changes. */
  live?: boolean;
  body: Html;
}

export function layout(options: LayoutOptions): string {
  return `<!doctype html>\n${html`<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title} · Herald newsroom console</title>
<link rel="stylesheet" href="/assets/console.css">
<script src="/assets/console.js" defer></script>
</head>
<body${options.live ? html` data-live-events="/events"` : ''}>
<a class="skip-link" href="#main">Skip to the content</a>
<header class="masthead">
<p class="brand"><a href="/">Herald newsroom console</a></p>
${options.clock ? clockBar(options.clock) : ''}
</header>
<main id="main" tabindex="-1">
${options.body}
</main>
<footer class="footer"><p>Served by Herald on this computer only (127.0.0.1). Nothing here reaches the internet.</p></footer>
</body>
</html>`}\n`;
}

const zoneTime = (iso: string | null, zone: string): string =>
  iso === null ? 'unknown' : formatInstant(iso, zone);

export function clockBar(clock: ClockView): Html {
  const now = formatInstant(clock.now, clock.timeZone);
  const lead = clock.demo
    ? 'The demo believes it is'
    : clock.running
      ? 'The local stack’s clock says'
      : 'The local stack’s clock is stopped at';
  return html`<section class="clock" aria-label="Clock">
<p><strong>${lead}</strong> <time id="clock" datetime="${clock.now}" data-zone="${clock.timeZone}" data-running="${clock.running ? 'true' : 'false'}">${now}</time>.${clock.demo ? html` <span class="hint">The examples were written for February 2024, so the demo starts there; <code>--now</code> picks another time.</span>` : ''}</p>
${
  clock.nextLift
    ? html`<form method="post" action="/clock/next-lift" class="inline-form">
<p>Next embargo lift: <strong>${clock.nextLift.display}</strong> (${clock.nextLift.id} revision ${clock.nextLift.revision}).
<button type="submit">Move the clock to this lift</button></p>
</form>`
    : html`<p>No embargo is waiting to lift.</p>`
}
</section>`;
}

const STATE_LABEL: Record<ConsoleState, string> = {
  'awaiting-approval': 'Awaiting approval',
  rejected: 'Rejected by an approver',
  processing: 'Processing',
  embargoed: 'Embargoed',
  'release-overdue': 'Lift passed, not released',
  released: 'Released',
  withdrawn: 'Withdrawn',
};

/** The state in words, with the lift or release time in the statement's zone. */
export function stateText(s: StatementView): string {
  if (s.state === null) return 'Unknown (nothing in the ledger yet)';
  const label = STATE_LABEL[s.state];
  if (s.state === 'embargoed' && s.embargo) return `${label} until ${s.embargo.display}`;
  if (s.state === 'released' && s.releasedAt)
    return `${label} ${zoneTime(s.releasedAt, s.timeZone)}`;
  if (s.state === 'awaiting-approval' && s.awaitingRevision !== null) {
    return `${label}: revision ${s.awaitingRevision}`;
  }
  return label;
}

function stateBadge(s: StatementView): Html {
  return html`<span class="state state-${s.state ?? 'unknown'}">${stateText(s)}</span>`;
}

/** Flags that add to the state: corrected, lift moved. */
function flags(s: StatementView): Html[] {
  const latest = s.revisions[0];
  const out: Html[] = [];
  if (latest?.kind === 'corrected')
    out.push(html`<span class="flag">Corrected (revision ${latest.revision})</span>`);
  const moved = s.revisions.find((r) => r.liftChange !== null);
  if (moved?.liftChange) {
    out.push(
      html`<span class="flag">${
        moved.liftChange.to
          ? `Lift moved from ${moved.liftChange.from} to ${moved.liftChange.to}`
          : `Lifted early (was ${moved.liftChange.from})`
      }</span>`,
    );
  }
  return out;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function journalistName(j: Journalist): string {
  const name = j.name ?? j.email;
  return j.outlet ? `${name} (${j.outlet})` : name;
}

function names(list: readonly Journalist[], what: string, idBase: string): Html {
  if (list.length === 0) return html``;
  return html`<details id="${idBase}"><summary>Names of the ${plural(list.length, `journalist ${what}`, `journalists ${what}`)}</summary>
<ul class="names">${list.map((j) => html`<li>${journalistName(j)} <span class="muted">&lt;${j.email}&gt;</span></li>`)}</ul>
</details>`;
}

/** Journalists: counts, the warning when nobody was emailed, names on demand. */
function pressSummary(r: RevisionView, idBase: string): Html {
  const { emailed, skipped, failed, note } = r.press;
  const verb = r.kind === 'withdrawn' ? 'sent the kill notice' : 'emailed';
  const counts = `${plural(emailed.length, 'journalist')} ${verb}${skipped.length ? `, ${skipped.length} skipped` : ''}${failed.length ? `, ${failed.length} failed` : ''}`;
  return html`${
    note
      ? html`<p class="warning"><strong>Warning:</strong> ${counts}: ${note}.</p>`
      : html`<p>${counts}.</p>`
  }
${names(emailed, verb, `${idBase}-emailed`)}${names(skipped, 'skipped', `${idBase}-skipped`)}${names(failed, 'failed', `${idBase}-failed`)}`;
}

function partnersSummary(r: RevisionView): Html {
  if (r.partners.length === 0) return html`<p>No partners are configured.</p>`;
  return html`<ul class="plain">${r.partners.map(
    (p) =>
      html`<li><strong>${p.name}</strong>: ${
        p.messages.length === 0
          ? 'nothing (its filter policy matched no message)'
          : p.messages.map((m) => m.type).join(', ')
      }</li>`,
  )}</ul>`;
}

function websiteSummary(r: RevisionView, zone: string): Html {
  if (r.website.length > 0) {
    return html`<ul class="plain">${r.website.map(
      (w) =>
        html`<li>${w.type === 'statement.withdrawn' ? 'Told to take it down' : w.type === 'statement.released' ? 'Told to publish it' : 'Told'} (${w.type}) at ${zoneTime(w.receivedAt, zone)}</li>`,
    )}</ul>`;
  }
  if (r.channels && !r.channels.website && r.kind !== 'withdrawn') {
    return html`<p>Not told: the website channel is off for this statement.</p>`;
  }
  if (r.kind === 'withdrawn') return html`<p>Not told: nothing of it was public.</p>`;
  return html`<p>${r.released ? 'Released, but the website hook has not been called yet.' : 'Waiting for the lift.'}</p>`;
}

// ── The dashboard ───────────────────────────────────────────────────────────

export function dashboardPage(snapshot: ConsoleSnapshot, notice: Html | null): string {
  return layout({
    title: 'Newsroom',
    clock: snapshot.clock,
    live: true,
    body: html`<h1>Newsroom</h1>
${notice ?? ''}
${uploadForm()}
<div id="live">${dashboardLive(snapshot)}</div>`,
  });
}

export function uploadForm(): Html {
  return html`<section aria-labelledby="upload-heading" class="panel">
<h2 id="upload-heading">Send a statement</h2>
<form method="post" action="/upload" enctype="multipart/form-data" id="upload-form">
<div class="dropzone" id="dropzone">
<label for="statement-file">Statement file (.json)</label>
<input type="file" id="statement-file" name="statement" accept=".json,application/json" required aria-describedby="upload-hint">
<p id="upload-hint" class="hint">Choose a file, or drag one onto this box. It goes to <code>incoming/</code> in the local bucket, exactly as a file saved in <code>dropbox/</code> does.</p>
</div>
<p><button type="submit">Upload</button></p>
</form>
</section>`;
}

/** The part of the dashboard that refreshes as things happen. */
export function dashboardLive(snapshot: ConsoleSnapshot): Html {
  return html`<section aria-labelledby="statements-heading">
<h2 id="statements-heading">Statements</h2>
${
  snapshot.statements.length === 0
    ? html`<p>No statement yet. Upload one above, or save one in <code>dropbox/</code>.</p>`
    : snapshot.statements.map(statementCard)
}
</section>
<section aria-labelledby="uploads-heading">
<h2 id="uploads-heading">Uploads</h2>
${uploadsList(snapshot.uploads)}
</section>
<section aria-labelledby="ops-heading">
<h2 id="ops-heading">Ops messages</h2>
${opsList(snapshot.ops, snapshot.clock.timeZone, 'ops')}
${snapshot.deadLetters > 0 ? html`<p class="warning"><strong>Warning:</strong> ${plural(snapshot.deadLetters, 'message')} could not be delivered after retries: see <code>dead-letters.jsonl</code>.</p>` : ''}
${snapshot.duplicateEmails > 0 ? html`<p class="warning"><strong>Warning:</strong> ${plural(snapshot.duplicateEmails, 'email')} reached someone twice.</p>` : ''}
</section>`;
}

function statementCard(s: StatementView): Html {
  const latest = s.revisions[0];
  const headingId = `card-${s.id}`;
  return html`<article class="card" aria-labelledby="${headingId}">
<h3 id="${headingId}"><a href="/statements/${encodeURIComponent(s.id)}">${s.headline ?? s.id}</a></h3>
<p class="meta"><code>${s.id}</code>, revision ${s.latestRevision ?? '?'}</p>
<p>${stateBadge(s)} ${flags(s)}</p>
${s.state === 'awaiting-approval' ? html`<p class="hint">Nothing of revision ${s.awaitingRevision ?? ''} goes out until an approver approves it.</p>` : ''}
${
  latest
    ? html`<dl class="audiences">
<dt>Journalists</dt><dd>${pressSummary(latest, `${s.id}-r${latest.revision}`)}</dd>
<dt>Partners</dt><dd>${partnersSummary(latest)}</dd>
<dt>Website</dt><dd>${websiteSummary(latest, s.timeZone)}</dd>
</dl>
${latest.emails[0] ? html`<p><a href="${emailHref(s.id, latest.revision, latest.emails[0].recipient)}">Email as sent (revision ${latest.revision})</a></p>` : ''}`
    : ''
}
</article>`;
}

function outcomeText(u: UploadView): string {
  switch (u.outcome) {
    case 'rejected':
      return `rejected with ${plural(u.errors.length, 'problem')}; nothing was sent`;
    case 'duplicate':
      return 'already processed; nothing sent again';
    case 'ignored':
      return 'ignored (not a statement upload)';
    case 'pending':
      return 'being processed…';
    case 'failed':
      return `could not be processed: ${u.errors[0]?.message ?? 'unknown error'}`;
    case 'awaiting-approval':
      return `accepted, awaiting approval (${u.id} revision ${u.revision})`;
    default:
      return `${u.outcome} (${u.id} revision ${u.revision})`;
  }
}

function issuesList(issues: readonly Issue[], kind: 'error' | 'warning'): Html {
  if (issues.length === 0) return html``;
  return html`<ul class="issues issues-${kind}">${issues.map(
    (i) => html`<li><code>${i.path === '' ? '(file)' : i.path}</code>: ${i.message}</li>`,
  )}</ul>`;
}

function uploadsList(uploads: readonly UploadView[]): Html {
  if (uploads.length === 0) return html`<p>None yet.</p>`;
  return html`<ul class="plain uploads">${uploads.map(
    (u) =>
      html`<li><code>${u.file}</code>: ${outcomeText(u)}${issuesList(u.errors, 'error')}${
        u.warnings.length > 0
          ? html`<details><summary>${plural(u.warnings.length, 'warning')}</summary>${issuesList(u.warnings, 'warning')}</details>`
          : ''
      }</li>`,
  )}</ul>`;
}

function opsList(ops: ConsoleSnapshot['ops'], zone: string, idBase: string): Html {
  if (ops.length === 0) return html`<p>None.</p>`;
  return html`<ul class="plain">${ops.map(
    (m, i) =>
      html`<li><details id="${idBase}-${i}"><summary>${m.subject ?? '(no subject)'} <span class="muted">${zoneTime(m.receivedAt, zone)}</span></summary><pre class="text">${m.text}</pre></details></li>`,
  )}</ul>`;
}

/** The outcome of an upload from the console, shown at the top of the dashboard. */
export function uploadNotice(file: string, upload: UploadView | undefined): Html {
  return html`<div class="notice" role="status">
<p><strong>Uploaded <code>${file}</code>:</strong> ${upload ? outcomeText(upload) : 'being processed…'}</p>
${upload ? issuesList(upload.errors, 'error') : ''}
</div>`;
}

export function problemNotice(message: string): Html {
  return html`<div class="notice notice-problem" role="alert"><p><strong>Not uploaded:</strong> ${message}</p></div>`;
}

// ── One statement ───────────────────────────────────────────────────────────

export function statementPage(snapshot: ConsoleSnapshot, s: StatementView): string {
  return layout({
    title: s.headline ?? s.id,
    clock: snapshot.clock,
    live: true,
    body: html`<nav aria-label="Breadcrumb" class="breadcrumb"><a href="/">All statements</a></nav>
<div id="live">${statementLive(s)}</div>`,
  });
}

export function statementLive(s: StatementView): Html {
  return html`<h1>${s.headline ?? s.id}</h1>
<p class="meta"><code>${s.id}</code>, revision ${s.latestRevision ?? '?'}; times in ${s.timeZone}.</p>
<p>${stateBadge(s)} ${flags(s)}</p>
<section aria-labelledby="approval-heading" class="panel">
<h2 id="approval-heading">Approval</h2>
${
  s.awaitingRevision !== null
    ? html`<p>Revision ${s.awaitingRevision} is awaiting approval: nothing of it goes out until an approver approves it.</p>`
    : html`<p>Nothing is awaiting approval.</p>`
}
</section>
<h2>Revisions, newest first</h2>
${s.revisions.map((r) => revisionSection(s, r))}`;
}

function embargoLine(r: RevisionView): string {
  if (r.kind === 'withdrawn') return 'None: a withdrawal takes effect at once.';
  if (r.liftChange) {
    return r.liftChange.to
      ? `Until ${r.liftChange.to}: moved from ${r.liftChange.from}.`
      : `Lifted early: it was until ${r.liftChange.from}.`;
  }
  if (r.embargo && r.inheritedFrom !== null) {
    return `Until ${r.embargo.display}, kept from revision ${r.inheritedFrom} (this correction names no embargo).`;
  }
  if (r.embargo) return `Until ${r.embargo.display}.`;
  return 'None: public at once.';
}

function revisionSection(s: StatementView, r: RevisionView): Html {
  const id = `r${r.revision}`;
  const idBase = `${s.id}-${id}`;
  return html`<section class="revision" aria-labelledby="${id}">
<h3 id="${id}">Revision ${r.revision}: ${r.kind ?? 'not gone ahead'}</h3>
<dl class="facts">
<dt>File</dt><dd>${r.file ? html`<code>${r.file}</code>` : 'unknown'}</dd>
<dt>Received</dt><dd>${zoneTime(r.receivedAt, s.timeZone)}</dd>
<dt>Embargo</dt><dd>${embargoLine(r)}</dd>
<dt>Released</dt><dd>${r.released ? zoneTime(r.releasedAt, s.timeZone) : r.kind === 'withdrawn' ? 'No (withdrawal)' : 'Not yet'}</dd>
${r.channels ? html`<dt>Audiences</dt><dd>${channelsText(r)}</dd>` : ''}
</dl>
${r.warnings.length > 0 ? html`<h4>Warnings</h4>${issuesList(r.warnings, 'warning')}` : ''}
<h4>Journalists</h4>
${pressSummary(r, idBase)}
${emailLinks(s, r)}
<h4>Partners</h4>
${partnersTable(r, s.timeZone)}
<h4>Website</h4>
${websiteSummary(r, s.timeZone)}
<h4>Social posts</h4>
${
  r.social
    ? html`<details id="${idBase}-social"><summary>${socialCounts(r.social)}</summary>${socialTable(r.social)}</details>`
    : html`<p>${r.kind === 'withdrawn' ? 'None: a withdrawal is not promoted.' : 'Not rendered yet.'}</p>`
}
<h4>Ops messages</h4>
${opsList(r.ops, s.timeZone, `${idBase}-ops`)}
</section>`;
}

function channelsText(r: RevisionView): string {
  const c = r.channels;
  if (!c) return '';
  const on = (['press', 'partners', 'website'] as const).filter((k) => c[k]);
  const off = (['press', 'partners', 'website'] as const).filter((k) => !c[k]);
  return `${on.length ? `to ${on.join(', ')}` : 'to nobody'}${off.length ? `; not to ${off.join(', ')}` : ''}`;
}

export function emailHref(
  id: string,
  revision: number,
  recipient: string,
  view = 'desktop',
): string {
  return `/statements/${encodeURIComponent(id)}/${revision}/email?to=${encodeURIComponent(recipient)}&view=${view}`;
}

function emailLinks(s: StatementView, r: RevisionView): Html {
  const first = r.emails[0];
  if (!first) return html``;
  const named = (recipient: string) => {
    const j = r.press.emailed.find((e) => e.email.toLowerCase() === recipient.toLowerCase());
    return j?.name ? `${j.name} <${recipient}>` : recipient;
  };
  return html`<p><a href="${emailHref(s.id, r.revision, first.recipient)}">Open the email as sent to ${named(first.recipient)}</a> (desktop, phone and dark previews; HTML and text).</p>
${
  r.emails.length > 1
    ? html`<details id="${s.id}-r${r.revision}-emails"><summary>Every email of revision ${r.revision} (${r.emails.length})</summary><ul class="plain">${r.emails.map(
        (e) =>
          html`<li><a href="${emailHref(s.id, r.revision, e.recipient)}">${named(e.recipient)}${e.copy > 1 ? ` (copy ${e.copy})` : ''}</a></li>`,
      )}</ul></details>`
    : ''
}`;
}

function partnersTable(r: RevisionView, zone: string): Html {
  if (r.partners.length === 0) return html`<p>No partners are configured.</p>`;
  return html`<table>
<caption class="visually-hidden">What each partner received for revision ${r.revision}</caption>
<thead><tr><th scope="col">Partner</th><th scope="col">Subscription</th><th scope="col">Messages received</th></tr></thead>
<tbody>${r.partners.map(
    (p) =>
      html`<tr><th scope="row">${p.name}</th><td>${p.protocol}${p.filterPolicy ? html`; filter <code>${p.filterPolicy}</code>` : '; no filter'}</td><td>${
        p.messages.length === 0
          ? 'None'
          : html`<ul class="plain">${p.messages.map(
              (m) =>
                html`<li>${m.type}${m.embargoed === 'true' ? ' (embargoed)' : ''} at ${zoneTime(m.receivedAt, zone)}</li>`,
            )}</ul>`
      }</td></tr>`,
  )}</tbody>
</table>`;
}

/** `X 273 of 280, Bluesky 297 of 300, …`: each platform's count at a glance. */
export function socialCounts(posts: readonly SocialPostView[]): string {
  return posts
    .map((p) => `${p.platform} ${p.measured} of ${p.limit}${p.ok ? '' : ' (too long)'}`)
    .join(', ');
}

export function socialTable(posts: readonly SocialPostView[]): Html {
  return html`<table>
<caption class="visually-hidden">Social posts and their length as each platform counts it</caption>
<thead><tr><th scope="col">Platform</th><th scope="col">Post</th><th scope="col">Length</th></tr></thead>
<tbody>${posts.map(
    (p) =>
      html`<tr><th scope="row">${p.platform}</th><td>${p.text === '' ? html`<em>No post</em>` : html`<pre class="post">${p.text}</pre>`}${p.notBefore ? html`<p class="hint">Not before the lift (${p.notBefore}).</p>` : ''}</td><td>${p.ok ? '' : html`<strong>Too long: </strong>`}${p.measured} of ${p.limit} <span class="muted">${p.unit}</span></td></tr>`,
  )}</tbody>
</table>`;
}

// ── An email ────────────────────────────────────────────────────────────────

export const EMAIL_VIEWS = ['desktop', 'phone', 'dark', 'text'] as const;
export type EmailView = (typeof EMAIL_VIEWS)[number];

const VIEW_LABEL: Record<EmailView, string> = {
  desktop: 'Desktop',
  phone: 'Phone',
  dark: 'Dark mode',
  text: 'Text part',
};

export function parseView(value: string | null): EmailView {
  return EMAIL_VIEWS.find((v) => v === value) ?? 'desktop';
}

export interface EmailPanel {
  view: EmailView;
  /** Link to the same panel in another view. */
  viewHref(view: EmailView): string;
  /** The HTML part, served as its own sandboxed document. */
  frameSrc(scheme: ColourScheme): string;
  text: string | null;
  /** What the frames show, for their titles. */
  label: string;
  /** The raw message, when there is one to download. */
  rawHref?: string | undefined;
}

/** Desktop, phone and dark previews of the HTML part, and the text part. */
export function emailPanel(panel: EmailPanel): Html {
  const { view } = panel;
  const body: HtmlValue =
    view === 'text'
      ? html`<pre class="text email-text" tabindex="0" aria-label="Text part of ${panel.label}">${panel.text ?? '(no text part)'}</pre>`
      : html`<div class="frame-wrap frame-${view}"><iframe class="email-frame" title="${panel.label}, ${VIEW_LABEL[view].toLowerCase()} preview" src="${panel.frameSrc(view === 'dark' ? 'dark' : 'light')}" sandbox></iframe></div>
${view === 'dark' ? html`<p class="hint">As mail apps that follow the device’s dark setting show it (Apple Mail, iOS Mail, Outlook for Mac, Thunderbird). Gmail’s and Outlook’s apps recolour emails themselves; the browser tests check that case.</p>` : ''}
${view === 'phone' ? html`<p class="hint">375 pixels wide, a small phone.</p>` : ''}`;
  return html`<nav aria-label="Email previews" class="tabs"><ul>${EMAIL_VIEWS.map(
    (v) =>
      html`<li><a href="${panel.viewHref(v)}"${v === view ? html` aria-current="page"` : ''}>${VIEW_LABEL[v]}</a></li>`,
  )}${panel.rawHref ? html`<li><a href="${panel.rawHref}" download>Raw message (.eml)</a></li>` : ''}</ul></nav>
${body}`;
}

export function emailPage(
  snapshot: ConsoleSnapshot,
  s: StatementView,
  r: RevisionView,
  email: { subject: string; from: string; to: string; date: string | null },
  panel: EmailPanel,
): string {
  return layout({
    title: `Email: ${email.subject}`,
    clock: snapshot.clock,
    body: html`<nav aria-label="Breadcrumb" class="breadcrumb"><a href="/">All statements</a> › <a href="/statements/${encodeURIComponent(s.id)}">${s.headline ?? s.id}</a></nav>
<h1>Email as sent: revision ${r.revision} to ${email.to}</h1>
<dl class="facts">
<dt>Subject</dt><dd>${email.subject}</dd>
<dt>From</dt><dd>${email.from}</dd>
<dt>To</dt><dd>${email.to}</dd>
<dt>Sent</dt><dd>${email.date ? zoneTime(email.date, s.timeZone) : 'unknown'}</dd>
</dl>
${emailPanel(panel)}`,
  });
}

export function notFoundPage(message: string): string {
  return layout({
    title: 'Not found',
    body: html`<h1>Not found</h1><p>${message}</p><p><a href="/">All statements</a></p>`,
  });
}
