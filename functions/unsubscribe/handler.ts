/**
 * unsubscribe: the Lambda Function URL behind every email's List-Unsubscribe.
 *
 * - `GET ?t=<token>`: a confirmation page with one button. GET never
 *   unsubscribes: mail scanners and link previews follow links.
 * - `POST ?t=<token>`: RFC 8058 one-click (`List-Unsubscribe=One-Click`, sent
 *   by the mailbox provider) or the page's own form: suppress at once.
 *
 * The token is an HMAC of the address (core/security), so there is no lookup,
 * no cookie and nothing to forge. Problems become pages, never exceptions.
 */
import { createHash } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { LambdaFunctionURLEvent, LambdaFunctionURLResult } from 'aws-lambda';
import { maskEmail } from '../../core/press-list/address';
import { verifyUnsubscribeToken } from '../../core/security/unsubscribe-token';
import type { Ledger } from '../shared/ledger/client';
import { suppress } from '../shared/ledger/suppression';
import type { Logger } from '../shared/logger';
import type { SecretSource } from '../shared/secrets';

export interface UnsubscribeDeps {
  ddb: DynamoDBDocumentClient;
  logger: Logger;
  clock: () => Date;
  unsubscribeSecret: SecretSource;
  settings: { tableName: string };
}

const STYLE = [
  'body{font-family:system-ui,-apple-system,"Segoe UI",Arial,sans-serif;font-size:18px;line-height:1.5;color:#1b1b1b;background:#fff;margin:0;padding:2rem 1rem}',
  'main{max-width:36rem;margin:0 auto}',
  'h1{font-size:1.6rem;line-height:1.25;margin:0 0 1rem}',
  'button{font:inherit;padding:.6rem 1.4rem;border:2px solid #0b0c0c;border-radius:4px;background:#0b0c0c;color:#fff;cursor:pointer}',
  'button:focus{outline:3px solid #fd0;outline-offset:2px}',
].join('');
const STYLE_HASH = createHash('sha256').update(STYLE).digest('base64');

/** Nothing may load, run or frame this page; the form may only post back here. */
const SECURITY_HEADERS: Record<string, string> = {
  'Content-Type': 'text/html; charset=utf-8',
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': `default-src 'none'; style-src 'sha256-${STYLE_HASH}'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`,
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function page(
  statusCode: number,
  title: string,
  bodyHtml: string,
  extraHeaders: Record<string, string> = {},
): LambdaFunctionURLResult {
  const html = `<!doctype html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
${bodyHtml}
</main>
</body>
</html>
`;
  return { statusCode, headers: { ...SECURITY_HEADERS, ...extraHeaders }, body: html };
}

function confirmPage(email: string, token: string): LambdaFunctionURLResult {
  // The token goes in the form body too, so the page works even where the action's query is dropped.
  const t = escapeHtml(token);
  return page(
    200,
    'Unsubscribe from press statements',
    `<p>Stop sending press statements to <strong>${escapeHtml(maskEmail(email))}</strong>?</p>
<form method="post" action="?t=${escapeHtml(encodeURIComponent(token))}">
<input type="hidden" name="t" value="${t}">
<input type="hidden" name="List-Unsubscribe" value="One-Click">
<input type="hidden" name="via" value="page">
<button type="submit">Unsubscribe</button>
</form>`,
  );
}

const badLink = () =>
  page(
    400,
    'This unsubscribe link is not valid',
    '<p>The link may have been cut short when it was copied. Open it again from the email, or reply to the email and ask to be removed.</p>',
  );

function formBody(event: LambdaFunctionURLEvent): URLSearchParams {
  if (!event.body) return new URLSearchParams();
  const text = event.isBase64Encoded
    ? Buffer.from(event.body, 'base64').toString('utf8')
    : event.body;
  // RFC 8058 allows multipart/form-data too; we only need the token from the query then.
  const type = (event.headers?.['content-type'] ?? '').toLowerCase();
  if (type.startsWith('multipart/')) return new URLSearchParams();
  return new URLSearchParams(text.slice(0, 4096));
}

export function createUnsubscribeHandler(deps: UnsubscribeDeps) {
  const { logger, clock } = deps;
  const ledger: Ledger = { ddb: deps.ddb, tableName: deps.settings.tableName };

  return async function handler(event: LambdaFunctionURLEvent): Promise<LambdaFunctionURLResult> {
    const method = event.requestContext.http.method.toUpperCase();
    if (method !== 'GET' && method !== 'POST') {
      return page(405, 'Method not allowed', '<p>Open the link from the email.</p>', {
        Allow: 'GET, POST',
      });
    }
    const form = method === 'POST' ? formBody(event) : new URLSearchParams();
    const token = event.queryStringParameters?.t ?? form.get('t') ?? '';
    let secret: string;
    try {
      secret = await deps.unsubscribeSecret.get();
    } catch (err) {
      logger.error('unsubscribe secret unavailable', { error: err });
      return page(
        503,
        'Please try again',
        '<p>We could not process this just now. Please try the link again in a few minutes.</p>',
        { 'Retry-After': '60' },
      );
    }
    const verified = verifyUnsubscribeToken(token, secret);
    if (!verified.ok) {
      logger.warn('unsubscribe link rejected', { method, reason: verified.reason });
      return badLink();
    }
    if (method === 'GET') return confirmPage(verified.email, token);

    const source =
      form.get('via') === 'page'
        ? 'unsubscribe page'
        : form.get('List-Unsubscribe') === 'One-Click'
          ? 'one-click (RFC 8058)'
          : 'unsubscribe POST';
    try {
      const result = await suppress(ledger, verified.email, {
        reason: 'unsubscribe',
        source,
        now: clock(),
      });
      logger.info('unsubscribed', { recipient: maskEmail(verified.email), source, result });
    } catch (err) {
      logger.error('unsubscribe could not be saved', {
        recipient: maskEmail(verified.email),
        error: err,
      });
      return page(
        503,
        'Please try again',
        '<p>We could not save this just now. Please try again in a few minutes.</p>',
        { 'Retry-After': '60' },
      );
    }
    return page(
      200,
      'You have been unsubscribed',
      `<p><strong>${escapeHtml(maskEmail(verified.email))}</strong> will not receive any more press statements from us.</p>`,
    );
  };
}
