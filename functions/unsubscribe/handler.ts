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
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { LambdaFunctionURLEvent, LambdaFunctionURLResult } from 'aws-lambda';
import { maskEmail } from '../../core/press-list/address';
import { verifyUnsubscribeToken } from '../../core/security/unsubscribe-token';
import {
  BASE_STYLE,
  escapeHtml,
  formOf,
  linkMethod,
  pageRenderer,
  tokenOf,
} from '../shared/html-page';
import { ledgerOf } from '../shared/ledger/client';
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

const page = pageRenderer([
  ...BASE_STYLE,
  'button{font:inherit;padding:.6rem 1.4rem;border:2px solid #0b0c0c;border-radius:4px;background:#0b0c0c;color:#fff;cursor:pointer}',
  'button:focus{outline:3px solid #fd0;outline-offset:2px}',
]);

/** Most characters of a form read (it holds only the token and two flags). */
const MAX_FORM_CHARS = 4096;

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

const tryAgain = (what: 'process' | 'save', when: string) =>
  page(
    503,
    'Please try again',
    `<p>We could not ${what} this just now. Please try ${when} in a few minutes.</p>`,
    { 'Retry-After': '60' },
  );

function formBody(event: LambdaFunctionURLEvent, method: 'GET' | 'POST'): URLSearchParams {
  // RFC 8058 allows multipart/form-data too; we only need the token from the query then.
  const type = (event.headers?.['content-type'] ?? '').toLowerCase();
  if (type.startsWith('multipart/')) return new URLSearchParams();
  return formOf(event, method, MAX_FORM_CHARS);
}

export function createUnsubscribeHandler(deps: UnsubscribeDeps) {
  return (event: LambdaFunctionURLEvent): Promise<LambdaFunctionURLResult> =>
    handleLink(deps, event);
}

async function handleLink(
  deps: UnsubscribeDeps,
  event: LambdaFunctionURLEvent,
): Promise<LambdaFunctionURLResult> {
  const method = linkMethod(event);
  if (method === null) {
    return page(405, 'Method not allowed', '<p>Open the link from the email.</p>', {
      Allow: 'GET, POST',
    });
  }
  const form = formBody(event, method);
  const token = tokenOf(event, form);
  let secret: string;
  try {
    secret = await deps.unsubscribeSecret.get();
  } catch (err) {
    deps.logger.error('Unsubscribe secret unavailable', { error: err });
    return tryAgain('process', 'the link again');
  }
  const verified = verifyUnsubscribeToken(token, secret);
  if (!verified.ok) {
    deps.logger.warn('Unsubscribe link rejected', { method, reason: verified.reason });
    return badLink();
  }
  if (method === 'GET') return confirmPage(verified.email, token);
  return unsubscribe(deps, verified.email, form);
}

async function unsubscribe(
  deps: UnsubscribeDeps,
  email: string,
  form: URLSearchParams,
): Promise<LambdaFunctionURLResult> {
  const source =
    form.get('via') === 'page'
      ? 'unsubscribe page'
      : form.get('List-Unsubscribe') === 'One-Click'
        ? 'one-click (RFC 8058)'
        : 'unsubscribe POST';
  try {
    const result = await suppress(ledgerOf(deps), email, {
      reason: 'unsubscribe',
      source,
      now: deps.clock(),
    });
    deps.logger.info('Unsubscribed', { recipient: maskEmail(email), source, result });
  } catch (err) {
    deps.logger.error('Unsubscribe could not be saved', {
      recipient: maskEmail(email),
      error: err,
    });
    return tryAgain('save', 'again');
  }
  return page(
    200,
    'You have been unsubscribed',
    `<p><strong>${escapeHtml(maskEmail(email))}</strong> will not receive any more press statements from us.</p>`,
  );
}
