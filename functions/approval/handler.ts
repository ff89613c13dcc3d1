/**
 * approval: the Lambda Function URL behind the Approve and Reject links of a
 * proof email (the unsubscribe pattern).
 *
 * - `GET ?t=<token>`: a confirmation page with one button (and, to reject, a
 *   reason). GET never acts: mail scanners and link previews follow links.
 * - `POST ?t=<token>` (the page's form): records the approver's decision in
 *   the ledger, once (a conditional write: the link is single-use), and
 *   publishes it to the approvals topic, where ingest acts on it.
 *
 * The token is an HMAC-signed, expiring claim (core/security/approval-token).
 * A forged or expired link, a reused one and one whose revision was replaced
 * or already decided each get a page saying so, and change nothing.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { LambdaFunctionURLEvent, LambdaFunctionURLResult } from 'aws-lambda';
import { decideApproval } from '../../core/lifecycle';
import { type ApprovalClaims, verifyApprovalToken } from '../../core/security/approval-token';
import { formOf, linkMethod, tokenOf } from '../shared/html-page';
import { getDecision, recordDecision } from '../shared/ledger/approvals';
import { ledgerOf } from '../shared/ledger/client';
import { getHead } from '../shared/ledger/statements';
import type { Logger } from '../shared/logger';
import type { ApprovalDecisionMessage } from '../shared/messages';
import type { Publisher } from '../shared/ports';
import type { SecretSource } from '../shared/secrets';
import {
  badLinkPage,
  confirmPage,
  decidedPage,
  donePage,
  expiredPage,
  MAX_REASON_LENGTH,
  methodNotAllowedPage,
  supersededPage,
  tryAgainPage,
  unknownPage,
  usedPage,
} from './pages';

export interface ApprovalDeps {
  ddb: DynamoDBDocumentClient;
  publisher: Publisher;
  logger: Logger;
  clock: () => Date;
  approvalSecret: SecretSource;
  settings: { tableName: string };
}

/** Most characters of a form read (a reason is at most MAX_REASON_LENGTH). */
const MAX_FORM_CHARS = 16_384;

export function createApprovalHandler(deps: ApprovalDeps) {
  return (event: LambdaFunctionURLEvent): Promise<LambdaFunctionURLResult> =>
    handleLink(deps, event);
}

async function handleLink(
  deps: ApprovalDeps,
  event: LambdaFunctionURLEvent,
): Promise<LambdaFunctionURLResult> {
  const method = linkMethod(event);
  if (method === null) return methodNotAllowedPage();
  const form = formOf(event, method, MAX_FORM_CHARS);
  const token = tokenOf(event, form);
  try {
    const secret = await deps.approvalSecret.get();
    const verified = verifyApprovalToken(token, secret, Math.floor(deps.clock().getTime() / 1000));
    if (!verified.ok) {
      deps.logger.warn('Approval link refused', { method, reason: verified.reason });
      return verified.reason === 'expired' ? expiredPage() : badLinkPage();
    }
    const claims = verified.claims;
    const refusal = await refusalFor(deps, claims, method);
    if (refusal) return refusal;
    if (method === 'GET') return confirmPage(claims, token);
    return await decide(deps, claims, token, form);
  } catch (err) {
    deps.logger.error('Approval could not be processed', { method, error: err });
    return tryAgainPage();
  }
}

/** Why this link may not act now, as a page; null when it may. */
async function refusalFor(
  deps: ApprovalDeps,
  claims: ApprovalClaims,
  method: 'GET' | 'POST',
): Promise<LambdaFunctionURLResult | null> {
  const ledger = ledgerOf(deps);
  const earlier = await getDecision(ledger, claims.id, claims.revision, claims.approver);
  const verdict = decideApproval(await getHead(ledger, claims.id), claims.revision);
  if (earlier) {
    deps.logger.warn('Approval link reused', { id: claims.id, revision: claims.revision });
    // A POST again while the revision still awaits: the first may have been recorded
    // but not published (a failed publish). Telling ingest again changes nothing else.
    if (method === 'POST' && verdict.act) await publish(deps, claims, earlier.decision);
    return usedPage(earlier.decision, earlier.at);
  }
  if (verdict.act) return null;
  deps.logger.info('Approval link for a revision not awaiting approval', {
    id: claims.id,
    revision: claims.revision,
    verdict,
  });
  if (verdict.reason === 'superseded') return supersededPage(claims, verdict.by);
  return verdict.reason === 'decided' ? decidedPage(claims) : unknownPage();
}

async function decide(
  deps: ApprovalDeps,
  claims: ApprovalClaims,
  token: string,
  form: URLSearchParams,
): Promise<LambdaFunctionURLResult> {
  const reason = (form.get('reason') ?? '').trim().slice(0, MAX_REASON_LENGTH);
  if (claims.action === 'reject' && reason === '') {
    return confirmPage(
      claims,
      token,
      'Say why you are rejecting it: ops and the author need to know what to fix.',
    );
  }
  const ledger = ledgerOf(deps);
  const decision = claims.action === 'approve' ? 'approved' : 'rejected';
  const at = deps.clock().toISOString();
  const recorded = await recordDecision(ledger, {
    id: claims.id,
    revision: claims.revision,
    decision,
    approver: claims.approver,
    name: claims.name,
    via: 'link',
    reason: decision === 'rejected' ? reason : null,
    at,
  });
  if (recorded === 'already-decided') {
    const earlier = await getDecision(ledger, claims.id, claims.revision, claims.approver);
    return usedPage(earlier?.decision ?? decision, earlier?.at ?? at);
  }
  await publish(deps, claims, decision);
  deps.logger.info('Approval decision recorded', {
    id: claims.id,
    revision: claims.revision,
    decision,
  });
  return donePage(claims);
}

async function publish(
  deps: ApprovalDeps,
  claims: ApprovalClaims,
  decision: 'approved' | 'rejected',
): Promise<void> {
  const message: ApprovalDecisionMessage = {
    type: 'approval.decided',
    id: claims.id,
    revision: claims.revision,
    decision,
  };
  await deps.publisher.publish({ topic: 'approvals', body: JSON.stringify(message) });
}
