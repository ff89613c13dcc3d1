/**
 * `herald status <id>`: the operator's view of one statement from the ledger, with
 * times in the statement's time zone. In AWS, `--table` names the table (the stack
 * output `LedgerTableName`). Without `--table`, it reads the local stack running in the
 * state folder (`npm start`): its lock file says where its DynamoDB listens.
 * `--endpoint` points at any other local DynamoDB (dynalite).
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { loadConfigFile } from '../core/config/load';
import { HeraldError } from '../core/errors';
import { formatStatus, type StatementStatus, summariseStatement } from '../core/status';
import { EXIT, UsageError } from './output';
import { parseNow } from './validate';

const DEFAULT_STATE_DIR = '.herald';

/** Region for --endpoint when none is given: the local stack's. */
const LOCAL_REGION = 'eu-west-2';

/** The ledger could not be read (credentials, region, table, network): exit 2. */
export class LedgerReadError extends HeraldError {
  override name = 'LedgerReadError';
}

interface StatusOptions {
  table?: string;
  stateDir?: string;
  region?: string;
  endpoint?: string;
  json?: boolean;
  now?: string;
}

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description(
      "Show one statement's revisions, embargo, release, side effects and emails from the ledger.",
    )
    .argument('<id>', 'the statement id')
    .option(
      '--table <name>',
      'the ledger DynamoDB table (stack output LedgerTableName); not needed while `npm start` runs',
    )
    .option(
      '--state-dir <dir>',
      `without --table: the folder of the running local stack (default ${DEFAULT_STATE_DIR})`,
    )
    .option('--region <region>', 'AWS region (default: AWS_REGION or your profile)')
    .option(
      '--endpoint <url>',
      `a local DynamoDB endpoint; uses dummy credentials and region ${LOCAL_REGION} unless --region`,
    )
    .option('--json', 'print the status as JSON')
    .option('--now <time>', 'judge embargoes and leases as if it were this ISO 8601 time')
    .action(async (id: string, options: StatusOptions) => {
      const now = parseNow(options.now);
      const target = await resolveTarget(options);
      const status = await readStatus(id, target, now);
      if (status === null) {
        process.stderr.write(
          `herald: No statement with id "${id}" in table ${target.table}${target.local ? ` of the local stack in ${target.local}` : ''}.\n`,
        );
        process.exitCode = EXIT.invalid;
        return;
      }
      process.stdout.write(
        options.json
          ? `${JSON.stringify({ table: target.table, ...status }, null, 2)}\n`
          : formatStatus(status),
      );
      process.exitCode = EXIT.ok;
    });
}

/** Which table to read, where, and the zone for statements without their own. */
interface StatusTarget {
  table: string;
  region?: string | undefined;
  endpoint?: string | undefined;
  timeZone: string;
  /** The state folder of the local stack read, when it is one. */
  local?: string;
}

async function resolveTarget(options: StatusOptions): Promise<StatusTarget> {
  if (options.table !== undefined) {
    return {
      table: options.table,
      region: options.region,
      endpoint: options.endpoint,
      timeZone: configTimeZone(),
    };
  }
  const stateDir = options.stateDir ?? DEFAULT_STATE_DIR;
  const { readStateLock } = await import('../local/state-lock');
  const lock = await readStateLock(stateDir);
  if (!lock?.endpoints?.dynamodb || !lock.table) {
    throw new UsageError(
      `No --table given, and no local stack is running in ${stateDir} (start one with npm start). For the ledger in AWS, pass --table <LedgerTableName> (a stack output).`,
    );
  }
  return {
    table: lock.table,
    region: options.region,
    endpoint: options.endpoint ?? lock.endpoints.dynamodb,
    timeZone: lock.timezone ?? configTimeZone(),
    local: stateDir,
  };
}

/** The config's time zone when ./herald.config.json is there and valid; else Europe/London. */
function configTimeZone(): string {
  if (!existsSync('herald.config.json')) return 'Europe/London';
  try {
    return loadConfigFile('herald.config.json').timezone;
  } catch {
    // A broken config is validate's business; the report still reads in UK time.
    return 'Europe/London';
  }
}

async function readStatus(
  id: string,
  options: StatusTarget,
  now: Date,
): Promise<StatementStatus | null> {
  if (options.endpoint !== undefined && !/^https?:\/\/[^/]/.test(options.endpoint)) {
    throw new UsageError(
      `--endpoint must be a URL such as http://127.0.0.1:4567, not "${options.endpoint}".`,
    );
  }
  // As in `herald dev`: the SDK's Node-version notice is about AWS, not a local table.
  if (options.endpoint) process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // Loaded here so validate and render do not pay for the AWS SDK.
  const [{ DynamoDBClient }, { createDocumentClient }, { readStatementItems }] = await Promise.all([
    import('@aws-sdk/client-dynamodb'),
    import('../functions/shared/ledger/client'),
    import('../functions/shared/ledger/status'),
  ]);
  const region = options.region ?? (options.endpoint ? LOCAL_REGION : undefined);
  const client = new DynamoDBClient({
    ...(region ? { region } : {}),
    ...(options.endpoint
      ? {
          endpoint: options.endpoint,
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        }
      : {}),
  });
  try {
    const items = await readStatementItems(
      { ddb: createDocumentClient(client), tableName: options.table },
      id,
    );
    return summariseStatement(items, now, { defaultTimeZone: options.timeZone });
  } catch (error) {
    throw new LedgerReadError(
      `Could not read the ledger table ${options.table}: ${reasonFor(error, options.endpoint, region)}`,
      { cause: error },
    );
  } finally {
    client.destroy();
  }
}

/** A sentence an operator can act on, for the usual ways reading the table fails. */
function reasonFor(
  error: unknown,
  endpoint: string | undefined,
  region: string | undefined,
): string {
  if (!(error instanceof Error)) return `${String(error)}.`;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return `cannot connect to ${endpoint ?? 'DynamoDB'} (${code}).`;
  }
  if (error.name === 'ResourceNotFoundException') {
    return `no such table${region ? ` in ${region}` : ''}; check --table (the stack output LedgerTableName) and --region.`;
  }
  if (
    error.name === 'UnrecognizedClientException' ||
    error.name === 'InvalidSignatureException' ||
    error.name === 'ExpiredTokenException'
  ) {
    return `AWS refused the credentials (${error.message}).`;
  }
  if (error.name === 'AccessDeniedException') {
    return `access denied; the credentials need dynamodb:Query on the table (${error.message}).`;
  }
  if (error.name === 'CredentialsProviderError' || /credentials/i.test(error.message)) {
    return 'no AWS credentials were found; set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), or sign in with aws sso login.';
  }
  if (/region is missing/i.test(error.message)) {
    return 'no AWS region is set; pass --region or set AWS_REGION.';
  }
  return /[.!?]$/.test(error.message) ? error.message : `${error.message}.`;
}
