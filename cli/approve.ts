/**
 * `herald approve <id> --revision <n>` and `herald reject <id> --revision <n> --reason …`:
 * the operator's path when approvers cannot use their email. The decision is
 * recorded in the ledger as the caller's IAM principal (STS GetCallerIdentity),
 * once per principal and revision, then ingest is invoked with it (as the approval
 * endpoint's decisions reach it), and acts only while the revision still awaits
 * approval. An operator's approval counts as one approver.
 *
 * In AWS: `--table <LedgerTableName> --function <IngestFunctionName>` (stack
 * outputs) and your usual AWS credentials. Without `--table`: the local stack
 * (`npm start`) on its default ports, recorded as `local:<your user name>`.
 */
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { HeraldError } from '../core/errors';
import { decideApproval } from '../core/lifecycle';
import { STATEMENT_ID_PATTERN } from '../core/statement/id';
import { DEFAULT_PORTS } from '../local/emulators';
import { functionArn, LOCAL_REGION, LOCAL_TABLE } from '../local/names';
import { EXIT, UsageError } from './output';

/** The decision could not be recorded or passed on (credentials, table, function, network): exit 2. */
export class ApprovalCommandError extends HeraldError {
  override name = 'ApprovalCommandError';
}

interface ApprovalOptions {
  revision: number;
  reason?: string;
  table?: string;
  function?: string;
  region?: string;
  dynamodbPort?: number;
  httpPort?: number;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UsageError(`A port must be a number from 1 to 65535, not "${value}".`);
  }
  return port;
}

interface Target {
  table: string;
  functionName: string;
  region: string | undefined;
  /** Local stack endpoints (dummy credentials); absent in AWS. */
  local?: { dynamodb: string; lambda: string };
}

function parseRevision(value: string): number {
  const revision = Number(value);
  if (!Number.isInteger(revision) || revision < 1 || revision > 999) {
    throw new UsageError(`--revision must be a whole number from 1 to 999, not "${value}".`);
  }
  return revision;
}

export function registerApprovalCommands(program: Command): void {
  for (const decision of ['approved', 'rejected'] as const) {
    const command = program
      .command(decision === 'approved' ? 'approve' : 'reject')
      .description(
        decision === 'approved'
          ? 'Approve a revision awaiting approval, as your AWS identity (when approvers cannot use the links in their proof email).'
          : 'Reject a revision awaiting approval, as your AWS identity: nothing of it is sent; ops and the approvers are told why.',
      )
      .argument('<id>', 'the statement id')
      .requiredOption('--revision <n>', 'the revision awaiting approval', parseRevision)
      .option(
        '--table <name>',
        'the ledger table (stack output LedgerTableName); without it: the local stack',
      )
      .option('--function <name>', 'the ingest function (stack output IngestFunctionName)')
      .option('--region <region>', 'AWS region (default: AWS_REGION or your profile)')
      .option(
        '--dynamodb-port <port>',
        `without --table: the local stack's DynamoDB port (default ${DEFAULT_PORTS.dynamodb})`,
        parsePort,
      )
      .option(
        '--http-port <port>',
        `without --table: the local stack's HTTP port (default ${DEFAULT_PORTS.http})`,
        parsePort,
      );
    if (decision === 'rejected') command.requiredOption('--reason <text>', 'why it is rejected');
    command.action(async (id: string, options: ApprovalOptions) => {
      await decide(id, decision, options);
    });
  }
}

function targetOf(options: ApprovalOptions): Target {
  if (options.table !== undefined) {
    if (!options.function) {
      throw new UsageError(
        '--function is needed with --table: the ingest function (stack output IngestFunctionName) carries the decision out.',
      );
    }
    return { table: options.table, functionName: options.function, region: options.region };
  }
  return {
    table: LOCAL_TABLE,
    functionName: functionArn('ingest'),
    region: LOCAL_REGION,
    local: {
      dynamodb: `http://127.0.0.1:${options.dynamodbPort ?? DEFAULT_PORTS.dynamodb}`,
      lambda: `http://127.0.0.1:${options.httpPort ?? DEFAULT_PORTS.http}`,
    },
  };
}

async function decide(
  id: string,
  decision: 'approved' | 'rejected',
  options: ApprovalOptions,
): Promise<void> {
  if (!STATEMENT_ID_PATTERN.test(id)) throw new UsageError(`"${id}" is not a statement id.`);
  const reason = options.reason?.trim();
  if (decision === 'rejected' && !reason) {
    throw new UsageError('--reason must say why: ops and the author need to know what to fix.');
  }
  const target = targetOf(options);
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const [
    { DynamoDBClient },
    { LambdaClient, InvokeCommand },
    { createDocumentClient },
    { getHead },
    { recordDecision },
  ] = await Promise.all([
    import('@aws-sdk/client-dynamodb'),
    import('@aws-sdk/client-lambda'),
    import('../functions/shared/ledger/client'),
    import('../functions/shared/ledger/statements'),
    import('../functions/shared/ledger/approvals'),
  ]);
  const credentials = target.local
    ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
    : {};
  const region = target.region ? { region: target.region } : {};
  const dynamo = new DynamoDBClient({
    ...region,
    ...credentials,
    ...(target.local ? { endpoint: target.local.dynamodb } : {}),
  });
  const lambda = new LambdaClient({
    ...region,
    ...credentials,
    ...(target.local ? { endpoint: target.local.lambda } : {}),
  });
  try {
    const ledger = { ddb: createDocumentClient(dynamo), tableName: target.table };
    const principal = await callerOf(target, region);
    const head = await explain(target, 'read the ledger', () => getHead(ledger, id));
    const verdict = decideApproval(head, options.revision);
    if (!verdict.act) {
      process.stderr.write(
        `herald: ${id} revision ${options.revision} is not awaiting approval: ${
          verdict.reason === 'superseded'
            ? `revision ${verdict.by} replaced it.`
            : verdict.reason === 'decided'
              ? 'it was already approved or rejected.'
              : `Herald has no such revision in ${target.table}.`
        } Nothing was changed.\n`,
      );
      process.exitCode = EXIT.invalid;
      return;
    }
    const recorded = await explain(target, 'record the decision', () =>
      recordDecision(ledger, {
        id,
        revision: options.revision,
        decision,
        approver: principal,
        name: principal,
        via: 'operator',
        reason: decision === 'rejected' ? (reason ?? null) : null,
        at: new Date().toISOString(),
      }),
    );
    if (recorded === 'already-decided') {
      process.stderr.write(
        `herald: ${principal} already decided on ${id} revision ${options.revision}; each approver decides once. Nothing was changed.\n`,
      );
      process.exitCode = EXIT.invalid;
      return;
    }
    const message = { type: 'approval.decided', id, revision: options.revision, decision };
    await explain(target, 'invoke ingest', () =>
      lambda.send(
        new InvokeCommand({
          FunctionName: target.functionName,
          InvocationType: 'Event',
          Payload: new TextEncoder().encode(JSON.stringify(message)),
        }),
      ),
    );
    process.stdout.write(
      decision === 'approved'
        ? `Approved ${id} revision ${options.revision} as ${principal}. It goes out as soon as enough approvers have approved; ops and the approvers get an email when it does.\n`
        : `Rejected ${id} revision ${options.revision} as ${principal}: nothing of it is sent. Ops and the approvers are told why.\n`,
    );
    process.exitCode = EXIT.ok;
  } finally {
    dynamo.destroy();
    lambda.destroy();
  }
}

/** Who is deciding: the IAM principal ARN in AWS, `local:<user>` against the local stack. */
async function callerOf(target: Target, region: { region?: string }): Promise<string> {
  if (target.local) return `local:${userInfo().username}`;
  const { STSClient, GetCallerIdentityCommand } = await import('@aws-sdk/client-sts');
  const sts = new STSClient(region);
  try {
    const identity = await explain(target, 'find out who you are (STS)', () =>
      sts.send(new GetCallerIdentityCommand({})),
    );
    if (!identity.Arn) throw new ApprovalCommandError('STS did not say who you are.');
    return identity.Arn;
  } finally {
    sts.destroy();
  }
}

/** Runs one AWS step; a failure becomes a sentence an operator can act on. */
async function explain<T>(target: Target, step: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw new ApprovalCommandError(`Could not ${step}: ${reasonFor(error, target)}`, {
      cause: error,
    });
  }
}

function reasonFor(error: unknown, target: Target): string {
  if (!(error instanceof Error)) return String(error);
  const code = 'code' in error ? String(error.code) : '';
  if (target.local && (code === 'ECONNREFUSED' || /ECONNREFUSED/.test(error.message))) {
    return `no local stack is running at ${target.local.dynamodb} and ${target.local.lambda}. Start one with \`npm start\`, or pass --table and --function to decide in AWS.`;
  }
  if (error.name === 'ResourceNotFoundException') {
    return `${target.table} or ${target.functionName} does not exist; check --table (LedgerTableName), --function (IngestFunctionName) and --region.`;
  }
  if (error.name === 'AccessDeniedException' || error.name === 'AccessDenied') {
    return `access denied (${error.message}). You need dynamodb:GetItem and dynamodb:PutItem on the table and lambda:InvokeFunction on the function.`;
  }
  if (error.name === 'CredentialsProviderError' || /credentials/i.test(error.message)) {
    return 'no AWS credentials were found; set AWS_PROFILE (or sign in with aws sso login).';
  }
  return error.message;
}
