/**
 * Child: an SES emulator in its own process, as SES is not in the sender's
 * process. Listens on 127.0.0.1, random port; prints {"port": n}.
 *
 * Without flags it is the local stack's emulator (aws-ses-v2-local via
 * local/emulators), which parses and stores every message: the fan-out
 * floor is then the emulator's own, not shared with the code under test.
 *
 * With `--rate <per second> [--burst <emails>]` it is a bench-only SES that
 * enforces an account's sending rate, as SES does with MaxSendRate: a token
 * bucket holding `burst` sends (default: one second's worth) refilled at
 * `rate` per second. A SendRawEmail over the rate gets SES's answer, HTTP 400
 * `Throttling` "Maximum sending rate exceeded.", and is dropped, as SES drops
 * it. An accepted one is answered at once and only its To header is kept:
 * aws-ses-v2-local parses every message with mailparser, which at tens of
 * emails a second on a shared machine would make the emulator, not the
 * pacing, the limit. `GET /store` and `POST /clear-store` answer in
 * aws-ses-v2-local's shape; `GET /pacing-stats` lists the accepted and refused
 * sends (ms since the epoch).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { startSes } from '../../local/emulators';

const { values } = parseArgs({
  options: { rate: { type: 'string' }, burst: { type: 'string' } },
});
/**
 * BENCH_SES_LATENCY_MS=n: with --rate, answer each accepted send after n ms ± 50%,
 * to see how pacing copes with a slow SES (docs/performance.md). Off by default.
 */
const latencyMs = Number(process.env.BENCH_SES_LATENCY_MS ?? 0);

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('latin1')));
    req.on('error', reject);
  });
}

function xml(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/xml' });
  res.end(body);
}

const json = (res: ServerResponse, value: unknown) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
};

/** The To header of a raw message (unfolded), from its header block only. */
function toHeader(raw: Buffer): string {
  const head = raw.subarray(0, Math.max(0, raw.indexOf('\r\n\r\n'))).toString('latin1');
  const match = /^To:(.*(?:\r\n[ \t].*)*)/im.exec(head);
  return (match?.[1] ?? '').replace(/\r\n[ \t]/g, ' ').trim();
}

async function rateLimited(
  rate: number,
  burst: number,
): Promise<{ port: number; close(): Promise<void> }> {
  let tokens = burst;
  let refilledAt = performance.now();
  const acceptedAt: number[] = [];
  const throttledAt: number[] = [];
  const stored: Array<{
    messageId: string;
    destination: { to: string[]; cc: []; bcc: [] };
    at: number;
  }> = [];
  const take = (): boolean => {
    const now = performance.now();
    tokens = Math.min(burst, tokens + ((now - refilledAt) * rate) / 1000);
    refilledAt = now;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };
  const server = createServer((req, res) => {
    void readBody(req).then((body) => {
      if (req.method === 'GET' && req.url?.startsWith('/store'))
        return json(res, { emails: stored });
      if (req.method === 'GET' && req.url === '/pacing-stats') {
        return json(res, { rate, burst, acceptedAt, throttledAt });
      }
      if (req.method === 'POST' && (req.url === '/clear-store' || req.url === '/pacing-reset')) {
        stored.length = 0;
        acceptedAt.length = 0;
        throttledAt.length = 0;
        tokens = burst;
        refilledAt = performance.now();
        return json(res, {});
      }
      const form = new URLSearchParams(body);
      if (req.method !== 'POST' || form.get('Action') !== 'SendRawEmail') {
        return xml(
          res,
          400,
          '<ErrorResponse><Error><Code>InvalidAction</Code></Error></ErrorResponse>',
        );
      }
      const requestId = randomUUID();
      if (!take()) {
        throttledAt.push(Date.now());
        return xml(
          res,
          400,
          `<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Maximum sending rate exceeded.</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
        );
      }
      const at = Date.now();
      acceptedAt.push(at);
      const messageId = randomUUID();
      const raw = Buffer.from(form.get('RawMessage.Data') ?? '', 'base64');
      stored.push({ messageId, destination: { to: [toHeader(raw)], cc: [], bcc: [] }, at });
      const answer = () =>
        xml(
          res,
          200,
          `<SendRawEmailResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><SendRawEmailResult><MessageId>${messageId}</MessageId></SendRawEmailResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></SendRawEmailResponse>`,
        );
      if (latencyMs > 0) setTimeout(answer, latencyMs * (0.5 + Math.random()));
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let server: { port: number; close(): Promise<void> };
if (values.rate === undefined) {
  server = await startSes({ port: 0 });
} else {
  const rate = Number(values.rate);
  const burst = values.burst === undefined ? rate : Number(values.burst);
  if (!(rate > 0 && burst >= 1))
    throw new Error(`bad --rate ${values.rate} / --burst ${values.burst}`);
  server = await rateLimited(rate, burst);
}

process.stdout.write(`${JSON.stringify({ port: server.port })}\n`);
process.on('SIGTERM', () => {
  void server.close().then(() => process.exit(0));
});
