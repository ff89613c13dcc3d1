/**
 * The local HTTP server on loopback that stands in for the outside world:
 *
 * - `POST /partners/<name>`: one receiver per partner subscription. Records
 *   `{attributes, message, receivedAt}` lines to `partners/<name>.jsonl` (attributes in
 *   SNS's `{name: {Type, Value}}` form, message = the parsed partner envelope).
 * - `POST /website/hook`: the website build hook. Records `{headers, body, receivedAt}`
 *   lines to `website/hooks.jsonl` (header names lower-case, as received).
 * - `/unsubscribe`: the unsubscribe handler, served by converting each Node request to a
 *   Lambda Function URL event (GET confirm page, POST one-click).
 * - `/approval`: the approval handler, the same way (the links in proof emails).
 * - `POST /2015-03-31/functions/<name>/invocations`: Lambda's Invoke API for the local
 *   functions (`herald approve` and `herald reject` invoke ingest through it).
 * - everything else: the pages handler when one is set (`setPages`: the newsroom console,
 *   local/console/), else a page of links at `/`.
 *
 * Endpoint URLs in the config are never contacted. Tests can make a receiver answer 500
 * (`failNext`) to exercise SNS retries and dead letters.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type Socket } from 'node:net';
import { join } from 'node:path';
import type { LambdaFunctionURLEvent, LambdaFunctionURLResult } from 'aws-lambda';
import { listen, type RunningServer } from './emulators';
import type { JsonlWriter } from './jsonl';
import type { SnsEnvelope } from './sns-router';
import type { LocalTls } from './tls';

export type UnsubscribeHandler = (
  event: LambdaFunctionURLEvent,
) => Promise<LambdaFunctionURLResult>;

export interface PartnerRecord {
  attributes: SnsEnvelope['MessageAttributes'];
  message: unknown;
  receivedAt: string;
}

export interface HookRecord {
  headers: Record<string, string>;
  body: string;
  receivedAt: string;
}

/** Answers a Lambda Invoke of a local function: the status code and body to return. */
export type LocalInvoke = (
  functionName: string,
  invocationType: string,
  payload: string,
) => Promise<{ status: number; body: string }>;
/** Serves every request the receivers do not (the newsroom console); `body` is already read. */
export type PagesHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
) => Promise<void>;

export interface ReceiversOptions {
  port: number;
  stateDir: string;
  jsonl: JsonlWriter;
  now: () => Date;
  /** Certificate for https on the same port (the unsubscribe links must be https). */
  tls: LocalTls;
  /** Set once the handler exists (the base URL must be known first). */
  unsubscribe?: UnsubscribeHandler;
  /** Pages linked from `/`. */
  links?: Record<string, string>;
}

export interface Receivers extends RunningServer {
  partnerUrl(name: string): string;
  readonly hookUrl: string;
  /** https:// (core/mime requires it for List-Unsubscribe); same port, TLS detected per connection. */
  readonly unsubscribeUrl: string;
  setUnsubscribeHandler(handler: UnsubscribeHandler): void;
  /** https, like the unsubscribe pages: the links in proof emails. */
  readonly approvalUrl: string;
  setApprovalHandler(handler: UnsubscribeHandler): void;
  setInvokeHandler(handler: LocalInvoke): void;
  /** Serves every other path with `handler` (the newsroom console). */
  setPages(handler: PagesHandler): void;
  /** The next `times` requests to `target` ('website' or a partner name) get a 500. */
  failNext(target: string, times?: number): void;
  /** Records per partner, in arrival order (also in the .jsonl files). */
  readonly partners: Map<string, PartnerRecord[]>;
  readonly hooks: HookRecord[];
}

const MAX_BODY_BYTES = 1024 * 1024;

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.destroy();
        reject(new Error('request body too large'));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function lowerCaseHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  return headers;
}

function send(
  res: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
  res.end(body);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Node request → the Lambda Function URL event shape (payload format 2.0). */
export function toFunctionUrlEvent(
  req: IncomingMessage,
  body: Buffer,
  now: Date,
): LambdaFunctionURLEvent {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const headers = lowerCaseHeaders(req);
  const query: Record<string, string> = {};
  for (const [key, value] of url.searchParams)
    query[key] = key in query ? `${query[key]},${value}` : value;
  const textual = /^(text\/|application\/(json|x-www-form-urlencoded))/i.test(
    headers['content-type'] ?? '',
  );
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: 'anonymous',
      apiId: 'local',
      domainName: headers.host ?? '127.0.0.1',
      domainPrefix: 'local',
      http: {
        method: req.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body.length > 0
      ? {
          body: textual ? body.toString('utf8') : body.toString('base64'),
          isBase64Encoded: !textual,
        }
      : { isBase64Encoded: false }),
  };
}

function writeFunctionUrlResult(res: ServerResponse, result: LambdaFunctionURLResult): void {
  if (typeof result === 'string') {
    send(res, 200, result, { 'content-type': 'application/json' });
    return;
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
  const body = result.body ?? '';
  res.writeHead(result.statusCode ?? 200, headers);
  if (result.cookies && result.cookies.length > 0) res.setHeader('set-cookie', result.cookies);
  res.end(result.isBase64Encoded ? Buffer.from(body, 'base64') : body);
}

export async function startReceivers(options: ReceiversOptions): Promise<Receivers> {
  let unsubscribe = options.unsubscribe;
  let approval: UnsubscribeHandler | undefined;
  let invoke: LocalInvoke | undefined;
  let pages: PagesHandler | undefined;
  const failures = new Map<string, number>();
  const partners = new Map<string, PartnerRecord[]>();
  const hooks: HookRecord[] = [];

  const takeFailure = (target: string): boolean => {
    const left = failures.get(target) ?? 0;
    if (left <= 0) return false;
    failures.set(target, left - 1);
    return true;
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const body = await readBody(req);
      const partner = /^\/partners\/([a-z0-9][a-z0-9-]{0,39})$/.exec(url.pathname)?.[1];
      if (partner !== undefined && req.method === 'POST') {
        if (takeFailure(partner)) return send(res, 500, 'injected failure');
        const text = body.toString('utf8');
        const headers = lowerCaseHeaders(req);
        const parsed = parseJson(text);
        // Raw delivery posts the message itself with no attributes (as SNS does for HTTPS).
        const raw = headers['x-amz-sns-rawdelivery'] === 'true';
        const envelope = raw ? undefined : (parsed as Partial<SnsEnvelope>);
        const record: PartnerRecord = {
          attributes: envelope?.MessageAttributes ?? {},
          message: raw ? parsed : parseJson(envelope?.Message ?? ''),
          receivedAt: options.now().toISOString(),
        };
        await options.jsonl.append(join(options.stateDir, 'partners', `${partner}.jsonl`), record);
        partners.set(partner, [...(partners.get(partner) ?? []), record]);
        return send(res, 200, 'ok');
      }
      if (url.pathname === '/website/hook' && req.method === 'POST') {
        if (takeFailure('website')) return send(res, 500, 'injected failure');
        const record: HookRecord = {
          headers: lowerCaseHeaders(req),
          body: body.toString('utf8'),
          receivedAt: options.now().toISOString(),
        };
        await options.jsonl.append(join(options.stateDir, 'website', 'hooks.jsonl'), record);
        hooks.push(record);
        return send(res, 200, JSON.stringify({ ok: true }), { 'content-type': 'application/json' });
      }
      if (url.pathname === '/unsubscribe' || url.pathname.startsWith('/unsubscribe/')) {
        if (!unsubscribe) return send(res, 503, 'The unsubscribe handler is not ready yet.');
        const result = await unsubscribe(toFunctionUrlEvent(req, body, options.now()));
        return writeFunctionUrlResult(res, result);
      }
      if (url.pathname === '/approval') {
        if (!approval) {
          return send(
            res,
            404,
            'Approval is not configured (no "approval" in herald.config.json).',
          );
        }
        const result = await approval(toFunctionUrlEvent(req, body, options.now()));
        return writeFunctionUrlResult(res, result);
      }
      const invoked = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(url.pathname)?.[1];
      if (invoked !== undefined && req.method === 'POST') {
        if (!invoke) return send(res, 503, 'The local functions are not ready yet.');
        const type = lowerCaseHeaders(req)['x-amz-invocation-type'] ?? 'RequestResponse';
        const answer = await invoke(decodeURIComponent(invoked), type, body.toString('utf8'));
        return send(res, answer.status, answer.body, { 'content-type': 'application/json' });
      }
      if (pages) return pages(req, res, body);
      if (url.pathname === '/' && req.method === 'GET') {
        const links = Object.entries(options.links ?? {})
          .map(([label, href]) => `<li><a href="${href}">${label}</a></li>`)
          .join('');
        return send(
          res,
          200,
          `<!doctype html><html lang="en-GB"><meta charset="utf-8"><title>Herald local stack</title><h1>Herald local stack</h1><ul>${links}</ul></html>`,
          { 'content-type': 'text/html; charset=utf-8' },
        );
      }
      return send(res, 404, 'Not found');
    })().catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, error instanceof Error ? error.message : String(error));
      else res.end();
    });
  };

  // One port, both protocols: a TLS ClientHello starts with 0x16, plain HTTP with a letter.
  const http = createServer(handle);
  const https = createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, handle);
  const sockets = new Set<Socket>();
  const front = createNetServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.once('data', (first: Buffer) => {
      socket.pause();
      socket.unshift(first);
      (first[0] === 0x16 ? https : http).emit('connection', socket);
      process.nextTick(() => socket.resume());
    });
  });

  const running = await listen(front, options.port, 'http');
  const close = async () => {
    const closed = running.close();
    for (const socket of sockets) socket.destroy();
    await closed;
  };
  return {
    ...running,
    close,
    partnerUrl: (name) => `${running.url}/partners/${name}`,
    hookUrl: `${running.url}/website/hook`,
    unsubscribeUrl: `https://127.0.0.1:${running.port}/unsubscribe`,
    setUnsubscribeHandler(handler) {
      unsubscribe = handler;
    },
    approvalUrl: `https://127.0.0.1:${running.port}/approval`,
    setApprovalHandler(handler) {
      approval = handler;
    },
    setInvokeHandler(handler) {
      invoke = handler;
    },
    setPages(handler) {
      pages = handler;
    },
    failNext(target, times = 1) {
      failures.set(target, (failures.get(target) ?? 0) + times);
    },
    partners,
    hooks,
  };
}
