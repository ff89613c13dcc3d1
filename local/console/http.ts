/**
 * The HTTP plumbing both consoles share (the newsroom console on the local stack and
 * `herald preview`): security headers, the loopback-only request checks, the static
 * assets, and the server-sent events that tell open pages to refresh.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { PortInUseError } from '../errors';

/** Pages load only what the console serves; frames only from the console (the email previews). */
const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': PAGE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
} as const;

export function sendPage(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, PAGE_HEADERS);
  res.end(body);
}

export function sendText(
  res: ServerResponse,
  status: number,
  body: string | Buffer,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(body);
}

export function redirect(res: ServerResponse, location: string): void {
  res.writeHead(303, { location, 'cache-control': 'no-store' });
  res.end();
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * The console answers only requests addressed to this computer (a page elsewhere that
 * resolves its own name to 127.0.0.1 gets nothing), and takes a form or upload only from
 * its own pages (another site cannot post a statement through a visitor's browser).
 */
export function refusal(req: IncomingMessage): string | null {
  const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
  if (!LOOPBACK_HOSTS.has(host)) return 'The console answers only on 127.0.0.1.';
  if (req.method === 'GET' || req.method === 'HEAD') return null;
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    return 'Forms are accepted only from the console’s own pages.';
  }
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== 'null') {
    try {
      const from = new URL(origin);
      if (!LOOPBACK_HOSTS.has(from.hostname) || from.host !== req.headers.host) {
        return 'Forms are accepted only from the console’s own pages.';
      }
    } catch {
      return 'Forms are accepted only from the console’s own pages.';
    }
  }
  return null;
}

const ASSETS_DIR = join(import.meta.dirname, 'assets');
const ASSET_TYPES: Record<string, string> = {
  'console.css': 'text/css; charset=utf-8',
  'console.js': 'text/javascript; charset=utf-8',
};
const assets = new Map<string, Buffer>();

/** Serves `/assets/<name>`; false when `pathname` is not an asset. */
export function serveAsset(pathname: string, res: ServerResponse): boolean {
  const name = /^\/assets\/([a-z.]+)$/.exec(pathname)?.[1];
  const type = name === undefined ? undefined : ASSET_TYPES[name];
  if (name === undefined || type === undefined) return false;
  let body = assets.get(name);
  if (!body) {
    body = readFileSync(join(ASSETS_DIR, name));
    assets.set(name, body);
  }
  res.writeHead(200, {
    'content-type': type,
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-cache',
  });
  res.end(body);
  return true;
}

/** Open pages listening for changes (server-sent events). */
export class ChangeFeed {
  private readonly clients = new Set<ServerResponse>();
  private timer: NodeJS.Timeout | undefined;
  private version = 0;

  /** Keeps `res` open as an event stream. */
  subscribe(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
    res.write(`retry: 1000\nevent: hello\ndata: ${this.version}\n\n`);
    this.clients.add(res);
    req.on('close', () => this.clients.delete(res));
  }

  /** Tells every open page, at most every `delayMs` (a send to many journalists changes a lot). */
  changed(delayMs = 250): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.version += 1;
      for (const res of this.clients) res.write(`event: change\ndata: ${this.version}\n\n`);
    }, delayMs);
    this.timer.unref();
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const res of this.clients) res.end();
    this.clients.clear();
  }
}

/** The uploaded file of a multipart form (`field`), parsed by Node's own fetch (undici). */
export async function formFile(
  req: IncomingMessage,
  body: Buffer,
  field: string,
): Promise<{ name: string; bytes: Buffer } | null> {
  const type = req.headers['content-type'] ?? '';
  if (!/^multipart\/form-data/i.test(type)) return null;
  const form = await new Request('http://127.0.0.1/', {
    method: 'POST',
    headers: { 'content-type': type },
    body: new Uint8Array(body),
  }).formData();
  const file = form.get(field);
  if (file === null || typeof file === 'string') return null;
  return { name: file.name, bytes: Buffer.from(await file.arrayBuffer()) };
}

/** Listens on 127.0.0.1 (0: any free port); a taken port is a PortInUseError naming `flag`. */
export function listenOnLoopback(
  server: Server,
  port: number,
  service: string,
  flag: string,
): Promise<{ port: number; url: string }> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new PortInUseError(port, service, flag) : error),
    );
    server.listen(port, '127.0.0.1', () => {
      const actual = (server.address() as AddressInfo).port;
      resolve({ port: actual, url: `http://127.0.0.1:${actual}` });
    });
  });
}
