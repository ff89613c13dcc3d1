/**
 * The newsroom console: the local stack's pages, at the root of its HTTP port
 * (http://127.0.0.1:8787/ under `npm start`). Routes:
 *
 * - `GET /`: every statement with its state and what each audience got; the upload form;
 *   every upload; ops messages.
 * - `GET /statements/<id>`: one statement, revision by revision.
 * - `GET /statements/<id>/<rev>/email?to=<recipient>&view=desktop|phone|dark|text`: the
 *   email as sent (from the outbox), with `email.html?scheme=light|dark`, `email.txt`
 *   and `email.eml` beside it.
 * - `POST /upload`: a statement file (multipart field `statement`) → `stack.upload`, the
 *   same path as the dropbox.
 * - `POST /clock/next-lift`: moves the clock to the next embargo lift.
 * - `GET /events`: server-sent `change` events; open pages refresh their live region.
 *
 * Data: model.ts. HTML: views.ts. HTTP plumbing: http.ts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import type { LocalStack } from '../stack';
import { EMAIL_FRAME_HEADERS, emailForScheme, readEmail } from './emails';
import type { Html } from './html';
import { ChangeFeed, formFile, redirect, refusal, sendPage, sendText, serveAsset } from './http';
import { type ConsoleSnapshot, readSnapshot } from './model';
import {
  dashboardPage,
  emailHref,
  emailPage,
  notFoundPage,
  parseView,
  problemNotice,
  statementPage,
  uploadNotice,
} from './views';

export interface ConsoleOptions {
  /** The clock was set for the demo: the pages say what time the demo believes it is. */
  demo?: boolean;
  /** Called after the console moved the clock (its button), with the new time. */
  onClockMoved?: (at: Date) => void;
  /** Called after a file was uploaded through the console. */
  onUpload?: (file: string) => void;
  /** Longest wait for an upload to be processed before the page is shown anyway. @default 15000 */
  uploadWaitMs?: number;
}

export interface NewsroomConsole {
  /** `http://127.0.0.1:<port>/` */
  readonly url: string;
  close(): void;
}

/** A file name safe as an S3 key under incoming/ (what a comms officer would have called it). */
export function uploadName(name: string): string | null {
  const base = name.split(/[\\/]/).pop() ?? '';
  const safe = base.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+/, '');
  return /\.json$/i.test(safe) && safe.length <= 200 ? safe : null;
}

/** Serves the console from the stack's HTTP port. */
export function attachConsole(stack: LocalStack, options: ConsoleOptions = {}): NewsroomConsole {
  const feed = new ChangeFeed();
  const unsubscribe = stack.onChange(() => feed.changed());
  const snapshot = () => readSnapshot(stack, { demo: options.demo === true });

  const handle = async (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const refused = refusal(req);
    if (refused) return sendText(res, 403, refused);
    if (req.method === 'GET' && serveAsset(url.pathname, res)) return;

    if (req.method === 'GET' && url.pathname === '/events') return feed.subscribe(req, res);

    if (req.method === 'GET' && url.pathname === '/') {
      const uploaded = url.searchParams.get('uploaded');
      const problem = url.searchParams.get('problem');
      const snap = await snapshot();
      let notice: Html | null = null;
      if (uploaded)
        notice = uploadNotice(
          uploaded,
          snap.uploads.find((u) => u.file === uploaded),
        );
      else if (problem) notice = problemNotice(problem);
      return sendPage(res, 200, dashboardPage(snap, notice));
    }

    if (req.method === 'POST' && url.pathname === '/upload') {
      let file: Awaited<ReturnType<typeof formFile>>;
      try {
        file = await formFile(req, body, 'statement');
      } catch {
        file = null;
      }
      if (file === null)
        return redirect(
          res,
          `/?problem=${encodeURIComponent('choose a statement file (.json) to upload.')}`,
        );
      const name = uploadName(file.name);
      if (name === null) {
        return redirect(
          res,
          `/?problem=${encodeURIComponent(`“${file.name}” is not a .json file; statements are JSON files.`)}`,
        );
      }
      await stack.upload(name, file.bytes);
      options.onUpload?.(name);
      // Show the outcome when it is there; a long send keeps going and the page follows it.
      await Promise.race([stack.drain(), delay(options.uploadWaitMs ?? 15_000)]);
      return redirect(res, `/?uploaded=${encodeURIComponent(name)}`);
    }

    if (req.method === 'POST' && url.pathname === '/clock/next-lift') {
      const next = stack.scheduler.pending()[0];
      if (next) {
        const at = new Date(next.at);
        await stack.advanceClock(at);
        options.onClockMoved?.(stack.clock.now());
      }
      feed.changed(0);
      return redirect(res, '/');
    }

    const statementMatch =
      /^\/statements\/([a-z0-9-]{1,64})(?:\/(\d{1,3})\/(email|email\.html|email\.txt|email\.eml))?$/.exec(
        url.pathname,
      );
    if (req.method === 'GET' && statementMatch?.[1]) {
      const id = statementMatch[1];
      const snap = await snapshot();
      const statement = snap.statements.find((s) => s.id === id);
      if (!statement)
        return sendPage(res, 404, notFoundPage(`No statement with id “${id}” in this run.`));
      if (!statementMatch[2]) return sendPage(res, 200, statementPage(snap, statement));
      return serveEmail(
        res,
        url,
        snap,
        id,
        Number(statementMatch[2]),
        statementMatch[3] ?? 'email',
      );
    }

    return sendPage(res, 404, notFoundPage(`Nothing at ${url.pathname}.`));
  };

  const serveEmail = async (
    res: ServerResponse,
    url: URL,
    snap: ConsoleSnapshot,
    id: string,
    revisionNumber: number,
    what: string,
  ) => {
    const statement = snap.statements.find((s) => s.id === id);
    const revision = statement?.revisions.find((r) => r.revision === revisionNumber);
    const to = url.searchParams.get('to') ?? revision?.emails[0]?.recipient ?? '';
    const entry = stack.outbox.entries.find(
      (e) => e.id === id && e.revision === revisionNumber && e.recipient === to.toLowerCase(),
    );
    if (!statement || !revision || !entry) {
      return sendPage(
        res,
        404,
        notFoundPage(`No email of ${id} revision ${revisionNumber} to “${to}”.`),
      );
    }
    const email = await readEmail(entry.path);
    if (what === 'email.html') {
      const scheme = url.searchParams.get('scheme') === 'dark' ? 'dark' : 'light';
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        ...EMAIL_FRAME_HEADERS,
      });
      return void res.end(emailForScheme(email.html ?? '', scheme));
    }
    if (what === 'email.txt') return sendText(res, 200, email.text ?? '');
    if (what === 'email.eml') {
      return sendText(res, 200, email.raw, {
        'content-type': 'message/rfc822',
        'content-disposition': `attachment; filename="${id}-r${revisionNumber}-${to.replace(/[^A-Za-z0-9@._-]/g, '_')}.eml"`,
      });
    }
    const base = `/statements/${encodeURIComponent(id)}/${revisionNumber}`;
    const query = `to=${encodeURIComponent(to)}`;
    return sendPage(
      res,
      200,
      emailPage(snap, statement, revision, email, {
        view: parseView(url.searchParams.get('view')),
        viewHref: (view) => emailHref(id, revisionNumber, to, view),
        frameSrc: (scheme) => `${base}/email.html?${query}&scheme=${scheme}`,
        text: email.text,
        label: `the email to ${to}`,
        rawHref: `${base}/email.eml?${query}`,
      }),
    );
  };

  stack.receivers.setPages((req, res, body) =>
    handle(req, res, body).catch((error: unknown) => {
      if (res.headersSent) return void res.end();
      sendText(
        res,
        500,
        `The console could not show this page: ${error instanceof Error ? error.message : String(error)}`,
      );
    }),
  );

  return {
    url: `${stack.endpoints.http}/`,
    close() {
      unsubscribe();
      feed.close();
    },
  };
}
