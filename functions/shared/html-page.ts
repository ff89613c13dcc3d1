/**
 * The small HTML pages Herald's Function URLs answer with (unsubscribe,
 * approval): one confirmation per link, since GET must never act (mail
 * scanners and link previews follow links). Nothing may load, run or frame a
 * page; its inline style is allowed by hash and its form may post only back
 * to the endpoint.
 */
import { createHash } from 'node:crypto';
import type { LambdaFunctionURLEvent, LambdaFunctionURLResult } from 'aws-lambda';
import { escapeHtml } from '../../core/render/mjml-tag';

export { escapeHtml };

/** The rules every page shares; a page type adds its own (forms, errors). */
export const BASE_STYLE = [
  'body{font-family:system-ui,-apple-system,"Segoe UI",Arial,sans-serif;font-size:18px;line-height:1.5;color:#1b1b1b;background:#fff;margin:0;padding:2rem 1rem}',
  'main{max-width:36rem;margin:0 auto}',
  'h1{font-size:1.6rem;line-height:1.25;margin:0 0 1rem}',
];

export type PageRenderer = (
  statusCode: number,
  title: string,
  bodyHtml: string,
  extraHeaders?: Record<string, string>,
) => LambdaFunctionURLResult;

/** Pages with this style sheet (inlined, and the only style the Content-Security-Policy allows). */
export function pageRenderer(styleRules: readonly string[]): PageRenderer {
  const style = styleRules.join('');
  const styleHash = createHash('sha256').update(style).digest('base64');
  const headers: Record<string, string> = {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': `default-src 'none'; style-src 'sha256-${styleHash}'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`,
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
  };
  return (statusCode, title, bodyHtml, extraHeaders = {}) => ({
    statusCode,
    headers: { ...headers, ...extraHeaders },
    body: `<!doctype html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>${style}</style>
</head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
${bodyHtml}
</main>
</body>
</html>
`,
  });
}

/** GET or POST (upper-cased), or null for any other method. */
export function linkMethod(event: LambdaFunctionURLEvent): 'GET' | 'POST' | null {
  const method = event.requestContext.http.method.toUpperCase();
  return method === 'GET' || method === 'POST' ? method : null;
}

/** A POST's urlencoded form (the first `maxChars` of it); empty for a GET. */
export function formOf(
  event: LambdaFunctionURLEvent,
  method: 'GET' | 'POST',
  maxChars: number,
): URLSearchParams {
  if (method !== 'POST' || !event.body) return new URLSearchParams();
  const text = event.isBase64Encoded
    ? Buffer.from(event.body, 'base64').toString('utf8')
    : event.body;
  return new URLSearchParams(text.slice(0, maxChars));
}

/** The link's token: from the query, else from the form (where a proxy dropped the query). */
export function tokenOf(event: LambdaFunctionURLEvent, form: URLSearchParams): string {
  return event.queryStringParameters?.t ?? form.get('t') ?? '';
}
