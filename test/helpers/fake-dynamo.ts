/**
 * A small in-memory DynamoDB table behind a real DynamoDBDocumentClient
 * (aws-sdk-client-mock routes its commands here), so handler tests exercise
 * the ledger's conditional writes with real semantics instead of scripting
 * each response.
 *
 * Supported: Get, Put, Update, Delete, Query, BatchGet on a `pk`/`sk` table;
 * ConditionExpression / KeyConditionExpression / FilterExpression with
 * comparisons, AND/OR/NOT, parentheses, attribute_exists,
 * attribute_not_exists, begins_with, contains; UpdateExpression SET (with
 * `+`/`-`, if_not_exists, list_append), REMOVE and ADD (numbers); ReturnValues
 * ALL_OLD/ALL_NEW; ProjectionExpression of top-level names. Attribute paths are
 * top-level only.
 *
 * `failWhen` makes a matching command throw, to simulate crashes and AWS errors.
 */
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type BatchGetCommandInput,
  DeleteCommand,
  type DeleteCommandInput,
  DynamoDBDocumentClient,
  GetCommand,
  type GetCommandInput,
  PutCommand,
  type PutCommandInput,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';

export type Item = Record<string, unknown>;
type Names = Record<string, string> | undefined;
type Values = Record<string, unknown> | undefined;

export type CommandName = 'Get' | 'Put' | 'Update' | 'Delete' | 'Query' | 'BatchGet';

interface Failure {
  command: CommandName;
  matches: (input: Record<string, unknown>) => boolean;
  error: () => Error;
  times: number;
}

export class FakeTable {
  readonly items = new Map<string, Item>();
  private readonly failures: Failure[] = [];
  /**
   * Awaited before every command: a race test hands control to fast-check's scheduler
   * here, so each DynamoDB call is a point where another handler may run.
   */
  gate: ((command: CommandName, input: Record<string, unknown>) => Promise<void>) | null = null;

  /** The next `times` commands of this kind whose input matches throw `error`. */
  failWhen(
    command: CommandName,
    matches: (input: Record<string, unknown>) => boolean,
    error: () => Error,
    times = 1,
  ): void {
    this.failures.push({ command, matches, error, times });
  }

  get(pk: string, sk: string): Item | undefined {
    const item = this.items.get(keyOf(pk, sk));
    return item === undefined ? undefined : structuredClone(item);
  }

  put(item: Item): void {
    this.items.set(keyOf(String(item.pk), String(item.sk)), structuredClone(item));
  }

  /** Every item whose pk equals `pk` (sorted by sk). */
  partition(pk: string): Item[] {
    return [...this.items.values()]
      .filter((i) => i.pk === pk)
      .sort((a, b) => String(a.sk).localeCompare(String(b.sk)))
      .map((i) => structuredClone(i));
  }

  private maybeFail(command: CommandName, input: object): void {
    const index = this.failures.findIndex(
      (f) => f.command === command && f.times > 0 && f.matches(input as Record<string, unknown>),
    );
    if (index === -1) return;
    const failure = this.failures[index] as Failure;
    failure.times--;
    if (failure.times === 0) this.failures.splice(index, 1);
    throw failure.error();
  }

  handleGet(input: GetCommandInput) {
    this.maybeFail('Get', input);
    const item = this.get(String(input.Key?.pk), String(input.Key?.sk));
    return {
      Item: item && project(item, input.ProjectionExpression, input.ExpressionAttributeNames),
    };
  }

  handlePut(input: PutCommandInput) {
    this.maybeFail('Put', input);
    const item = input.Item ?? {};
    const old = this.get(String(item.pk), String(item.sk));
    check(
      input.ConditionExpression,
      old,
      input.ExpressionAttributeNames,
      input.ExpressionAttributeValues,
    );
    this.put(item);
    return { Attributes: input.ReturnValues === 'ALL_OLD' ? old : undefined };
  }

  handleUpdate(input: UpdateCommandInput) {
    this.maybeFail('Update', input);
    const pk = String(input.Key?.pk);
    const sk = String(input.Key?.sk);
    const old = this.get(pk, sk);
    check(
      input.ConditionExpression,
      old,
      input.ExpressionAttributeNames,
      input.ExpressionAttributeValues,
    );
    const next = applyUpdate(
      old ?? { pk, sk },
      input.UpdateExpression ?? '',
      input.ExpressionAttributeNames,
      input.ExpressionAttributeValues,
    );
    this.put(next);
    const returned =
      input.ReturnValues === 'ALL_NEW' ? next : input.ReturnValues === 'ALL_OLD' ? old : undefined;
    return { Attributes: returned && structuredClone(returned) };
  }

  handleDelete(input: DeleteCommandInput) {
    this.maybeFail('Delete', input);
    const pk = String(input.Key?.pk);
    const sk = String(input.Key?.sk);
    const old = this.get(pk, sk);
    check(
      input.ConditionExpression,
      old,
      input.ExpressionAttributeNames,
      input.ExpressionAttributeValues,
    );
    this.items.delete(keyOf(pk, sk));
    return { Attributes: input.ReturnValues === 'ALL_OLD' ? old : undefined };
  }

  handleQuery(input: QueryCommandInput) {
    this.maybeFail('Query', input);
    const names = input.ExpressionAttributeNames;
    const values = input.ExpressionAttributeValues;
    let items = [...this.items.values()]
      .filter((i) => evaluate(input.KeyConditionExpression ?? '', i, names, values))
      .sort((a, b) => String(a.sk).localeCompare(String(b.sk)));
    if (input.ScanIndexForward === false) items.reverse();
    if (input.FilterExpression) {
      const filter = input.FilterExpression;
      items = items.filter((i) => evaluate(filter, i, names, values));
    }
    if (input.Limit !== undefined) items = items.slice(0, input.Limit);
    return {
      Items: items.map((i) => project(structuredClone(i), input.ProjectionExpression, names)),
      Count: items.length,
    };
  }

  handleBatchGet(input: BatchGetCommandInput) {
    this.maybeFail('BatchGet', input);
    const responses: Record<string, Item[]> = {};
    for (const [table, request] of Object.entries(input.RequestItems ?? {})) {
      responses[table] = (request.Keys ?? [])
        .map((k) => this.get(String(k.pk), String(k.sk)))
        .filter((i): i is Item => i !== undefined)
        .map((i) => project(i, request.ProjectionExpression, request.ExpressionAttributeNames));
    }
    return { Responses: responses, UnprocessedKeys: {} };
  }
}

export interface FakeDynamo {
  /** A real DynamoDBDocumentClient whose commands the fake table answers. */
  client: DynamoDBDocumentClient;
  /** The aws-sdk-client-mock stub, for call assertions. */
  mock: AwsClientStub<DynamoDBDocumentClient>;
  table: FakeTable;
}

export function createFakeDynamo(): FakeDynamo {
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      region: 'eu-west-2',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    }),
    { marshallOptions: { removeUndefinedValues: true } },
  );
  const table = new FakeTable();
  const mock = mockClient(client);
  mock.on(GetCommand).callsFake(async (input: GetCommandInput) => {
    await table.gate?.('Get', input);
    return table.handleGet(input);
  });
  mock.on(PutCommand).callsFake(async (input: PutCommandInput) => {
    await table.gate?.('Put', input);
    return table.handlePut(input);
  });
  mock.on(UpdateCommand).callsFake(async (input: UpdateCommandInput) => {
    await table.gate?.('Update', input);
    return table.handleUpdate(input);
  });
  mock.on(DeleteCommand).callsFake(async (input: DeleteCommandInput) => {
    await table.gate?.('Delete', input);
    return table.handleDelete(input);
  });
  mock.on(QueryCommand).callsFake(async (input: QueryCommandInput) => {
    await table.gate?.('Query', input);
    return table.handleQuery(input);
  });
  mock.on(BatchGetCommand).callsFake(async (input: BatchGetCommandInput) => {
    await table.gate?.('BatchGet', input);
    return table.handleBatchGet(input);
  });
  return { client, mock, table };
}

/** A ConditionalCheckFailedException as DynamoDB throws it. */
export function conditionalCheckFailed(): Error {
  return new ConditionalCheckFailedException({
    message: 'The conditional request failed',
    $metadata: {},
  });
}

/** A throttling error as the SDK surfaces it (retryable). */
export function throttled(service = 'DynamoDB'): Error {
  const error = new Error(`${service}: Rate exceeded`);
  error.name = 'ThrottlingException';
  return error;
}

function keyOf(pk: string, sk: string): string {
  return `${pk}\u0000${sk}`;
}

function check(
  expression: string | undefined,
  item: Item | undefined,
  names: Names,
  values: Values,
): void {
  if (expression === undefined) return;
  if (!evaluate(expression, item ?? {}, names, values)) throw conditionalCheckFailed();
}

function project(item: Item, projection: string | undefined, names: Names): Item {
  if (!projection) return item;
  const out: Item = {};
  for (const raw of projection.split(',')) {
    const name = resolveName(raw.trim(), names);
    if (name in item) out[name] = item[name];
  }
  return out;
}

function resolveName(token: string, names: Names): string {
  if (!token.startsWith('#')) return token;
  const name = names?.[token];
  if (name === undefined)
    throw new Error(`fake-dynamo: ${token} is not in ExpressionAttributeNames`);
  return name;
}

function resolveValue(token: string, values: Values): unknown {
  if (!values || !(token in values))
    throw new Error(`fake-dynamo: ${token} is not in ExpressionAttributeValues`);
  return values[token];
}

// ---- condition expressions -------------------------------------------------

const TOKEN = /\s*(<>|<=|>=|=|<|>|\(|\)|,|[#:]?[A-Za-z_][A-Za-z0-9_]*)/y;

function tokenize(expression: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < expression.length) {
    if (/^\s*$/.test(expression.slice(TOKEN.lastIndex))) break;
    const match = TOKEN.exec(expression);
    if (!match?.[1])
      throw new Error(`fake-dynamo: cannot parse "${expression}" at ${TOKEN.lastIndex}`);
    tokens.push(match[1]);
  }
  return tokens;
}

/** Evaluates a condition/key/filter expression against `item` (missing attributes are undefined). */
export function evaluate(expression: string, item: Item, names: Names, values: Values): boolean {
  const tokens = tokenize(expression);
  let pos = 0;
  const peek = () => tokens[pos];
  const next = () => {
    const token = tokens[pos++];
    if (token === undefined) throw new Error(`fake-dynamo: unexpected end of "${expression}"`);
    return token;
  };
  const expect = (token: string) => {
    const got = next();
    if (got !== token)
      throw new Error(`fake-dynamo: expected ${token}, got ${got} in "${expression}"`);
  };
  const operand = (): unknown => {
    const token = next();
    if (token.startsWith(':')) return resolveValue(token, values);
    if (token === 'size') {
      expect('(');
      const value = operand();
      expect(')');
      return typeof value === 'string' || Array.isArray(value) ? value.length : undefined;
    }
    return item[resolveName(token, names)];
  };
  const primary = (): boolean => {
    const token = peek();
    if (token === '(') {
      next();
      const value = or();
      expect(')');
      return value;
    }
    if (token?.toUpperCase() === 'NOT') {
      next();
      return !primary();
    }
    if (token === 'attribute_exists' || token === 'attribute_not_exists') {
      next();
      expect('(');
      const name = resolveName(next(), names);
      expect(')');
      return token === 'attribute_exists' ? name in item : !(name in item);
    }
    if (token === 'begins_with' || token === 'contains') {
      next();
      expect('(');
      const subject = operand();
      expect(',');
      const needle = operand();
      expect(')');
      if (token === 'begins_with') {
        return (
          typeof subject === 'string' && typeof needle === 'string' && subject.startsWith(needle)
        );
      }
      if (typeof subject === 'string')
        return typeof needle === 'string' && subject.includes(needle);
      return Array.isArray(subject) && subject.includes(needle);
    }
    const left = operand();
    const op = next();
    const right = operand();
    return compare(left, op, right);
  };
  const and = (): boolean => {
    let value = primary();
    while (peek()?.toUpperCase() === 'AND') {
      next();
      const right = primary();
      value = value && right;
    }
    return value;
  };
  const or = (): boolean => {
    let value = and();
    while (peek()?.toUpperCase() === 'OR') {
      next();
      const right = and();
      value = value || right;
    }
    return value;
  };
  const result = or();
  if (pos !== tokens.length) throw new Error(`fake-dynamo: trailing tokens in "${expression}"`);
  return result;
}

function compare(left: unknown, op: string, right: unknown): boolean {
  // DynamoDB: a comparison with a missing attribute is false (even <>).
  if (left === undefined || right === undefined) return false;
  if (op === '=') return JSON.stringify(left) === JSON.stringify(right);
  if (op === '<>') return JSON.stringify(left) !== JSON.stringify(right);
  if (typeof left !== typeof right || (typeof left !== 'number' && typeof left !== 'string'))
    return false;
  const l = left as number | string;
  const r = right as number | string;
  if (op === '<') return l < r;
  if (op === '<=') return l <= r;
  if (op === '>') return l > r;
  if (op === '>=') return l >= r;
  throw new Error(`fake-dynamo: unknown operator ${op}`);
}

// ---- update expressions ----------------------------------------------------

function applyUpdate(old: Item, expression: string, names: Names, values: Values): Item {
  const item = structuredClone(old);
  const clauses = expression.split(/\b(SET|REMOVE|ADD|DELETE)\b/i).map((s) => s.trim());
  for (let i = 1; i < clauses.length; i += 2) {
    const action = (clauses[i] ?? '').toUpperCase();
    const body = clauses[i + 1] ?? '';
    for (const part of splitTopLevel(body)) {
      if (action === 'SET') {
        const eq = part.indexOf('=');
        const name = resolveName(part.slice(0, eq).trim(), names);
        item[name] = setValue(part.slice(eq + 1).trim(), old, names, values);
      } else if (action === 'REMOVE') {
        delete item[resolveName(part.trim(), names)];
      } else if (action === 'ADD') {
        const [rawName, rawValue] = part.trim().split(/\s+/);
        const name = resolveName(rawName ?? '', names);
        const add = resolveValue(rawValue ?? '', values);
        item[name] = ((item[name] as number | undefined) ?? 0) + Number(add);
      } else {
        throw new Error(`fake-dynamo: ${action} is not supported`);
      }
    }
  }
  return item;
}

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.filter((p) => p.trim() !== '');
}

function setValue(text: string, old: Item, names: Names, values: Values): unknown {
  const plus = splitArithmetic(text);
  if (plus) {
    const left = Number(setValue(plus.left, old, names, values));
    const right = Number(setValue(plus.right, old, names, values));
    return plus.op === '+' ? left + right : left - right;
  }
  const fn = /^(if_not_exists|list_append)\s*\((.*)\)$/.exec(text);
  if (fn) {
    const [a, b] = splitTopLevel(fn[2] ?? '').map((s) => s.trim());
    if (fn[1] === 'if_not_exists') {
      const name = resolveName(a ?? '', names);
      return name in old ? old[name] : setValue(b ?? '', old, names, values);
    }
    const first = setValue(a ?? '', old, names, values);
    const second = setValue(b ?? '', old, names, values);
    return [...(Array.isArray(first) ? first : []), ...(Array.isArray(second) ? second : [])];
  }
  if (text.startsWith(':')) return structuredClone(resolveValue(text, values));
  return old[resolveName(text, names)];
}

function splitArithmetic(text: string): { left: string; op: '+' | '-'; right: string } | null {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if ((c === '+' || c === '-') && depth === 0) {
      return { left: text.slice(0, i).trim(), op: c, right: text.slice(i + 1).trim() };
    }
  }
  return null;
}
