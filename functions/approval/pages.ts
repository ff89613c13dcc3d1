/**
 * The approval endpoint's pages: confirmation (GET), result (POST) and the
 * refusals (a forged, expired, reused or superseded link). Everything from a
 * link or a form is escaped (core/render's escaping); nothing may load, run or
 * frame a page, and its form may post only back to the endpoint.
 */
import type { LambdaFunctionURLResult } from 'aws-lambda';
import type { ApprovalClaims } from '../../core/security/approval-token';
import { BASE_STYLE, escapeHtml, pageRenderer } from '../shared/html-page';

/** Most characters of a rejection reason kept (it goes into emails and the ledger). */
export const MAX_REASON_LENGTH = 2000;

export const page = pageRenderer([
  ...BASE_STYLE,
  'label{display:block;font-weight:600;margin:1rem 0 .25rem}',
  'textarea{font:inherit;width:100%;box-sizing:border-box;border:2px solid #0b0c0c;padding:.4rem}',
  'textarea:focus{outline:3px solid #fd0;outline-offset:0}',
  '.error{color:#d4351c;font-weight:600}',
  'button{font:inherit;margin-top:1rem;padding:.6rem 1.4rem;border:2px solid #0b0c0c;border-radius:4px;background:#0b0c0c;color:#fff;cursor:pointer}',
  'button:focus{outline:3px solid #fd0;outline-offset:2px}',
]);

const what = (c: ApprovalClaims) =>
  `<strong>${escapeHtml(c.id)}</strong> revision ${escapeHtml(String(c.revision))}`;

/** GET: what pressing the button will do. Opening the link does nothing by itself. */
export function confirmPage(
  claims: ApprovalClaims,
  token: string,
  error?: string,
): LambdaFunctionURLResult {
  const action = `?t=${escapeHtml(encodeURIComponent(token))}`;
  const hidden = `<input type="hidden" name="t" value="${escapeHtml(token)}">`;
  if (claims.action === 'approve') {
    return page(
      200,
      'Approve this statement?',
      `<p>${escapeHtml(claims.name)}, approving ${what(claims)} lets it go out as your proof email describes, once enough approvers have approved.</p>
<form method="post" action="${action}">
${hidden}
<button type="submit">Approve</button>
</form>`,
    );
  }
  const problem = error
    ? `<p class="error" id="reason-error" role="alert">${escapeHtml(error)}</p>`
    : '';
  return page(
    error ? 400 : 200,
    'Reject this statement?',
    `<p>${escapeHtml(claims.name)}, rejecting ${what(claims)} stops it: nothing of it is sent. Ops and the other approvers are told who rejected it and why.</p>
<form method="post" action="${action}">
${hidden}
<label for="reason">Why are you rejecting it?</label>
${problem}
<textarea id="reason" name="reason" rows="5" maxlength="${MAX_REASON_LENGTH}" required${error ? ' aria-invalid="true" aria-describedby="reason-error"' : ''}></textarea>
<button type="submit">Reject</button>
</form>`,
  );
}

export function donePage(claims: ApprovalClaims): LambdaFunctionURLResult {
  return claims.action === 'approve'
    ? page(
        200,
        'Thank you: your approval is recorded',
        `<p>${what(claims)} goes out as soon as enough approvers have approved. You and the other approvers get an email when it does.</p>`,
      )
    : page(
        200,
        'The statement is rejected',
        `<p>Nothing of ${what(claims)} will be sent. Ops and the other approvers are told who rejected it and why.</p>`,
      );
}

export const badLinkPage = () =>
  page(
    400,
    'This approval link is not valid',
    '<p>The link may have been cut short when it was copied. Open it again from the proof email. Nothing was changed.</p>',
  );

export const expiredPage = () =>
  page(
    410,
    'This approval link has expired',
    '<p>Nothing was changed. Ask ops to upload the statement again as a new revision to get a new proof, or ask an operator to approve it with <code>herald approve</code>.</p>',
  );

export function usedPage(decision: 'approved' | 'rejected', at: string): LambdaFunctionURLResult {
  return page(
    409,
    'You have already decided on this revision',
    `<p>You ${decision} it at ${escapeHtml(at)}. Each approver decides once; nothing was changed.</p>`,
  );
}

export function supersededPage(claims: ApprovalClaims, by: number): LambdaFunctionURLResult {
  return page(
    410,
    'This revision was replaced',
    `<p>${what(claims)} was replaced by revision ${escapeHtml(String(by))} before it was approved, so this link no longer does anything. Check the proof email for revision ${escapeHtml(String(by))}.</p>`,
  );
}

export function decidedPage(claims: ApprovalClaims): LambdaFunctionURLResult {
  return page(
    410,
    'This revision is no longer awaiting approval',
    `<p>${what(claims)} was already approved or rejected, so this link no longer does anything. Nothing was changed.</p>`,
  );
}

export const unknownPage = () =>
  page(404, 'Herald has no such revision', '<p>Nothing was changed.</p>');

export const tryAgainPage = () =>
  page(
    503,
    'Please try again',
    '<p>We could not process this just now. Please try the link again in a few minutes.</p>',
    { 'Retry-After': '60' },
  );

export const methodNotAllowedPage = () =>
  page(405, 'Method not allowed', '<p>Open the link from the proof email.</p>', {
    Allow: 'GET, POST',
  });
