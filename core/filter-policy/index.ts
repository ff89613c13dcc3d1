/**
 * SNS subscription filter policies, attribute scope (FilterPolicyScope = MessageAttributes).
 *
 * Pure: the local SNS router uses `matchesFilterPolicy` to decide which partner gets a
 * message, and config loading uses `validateFilterPolicy` so a policy that SNS would
 * refuse at deploy time is caught when the file is read.
 *
 * Semantics follow the SNS developer guide: string value matching (exact, prefix, suffix,
 * equals-ignore-case, anything-but), numeric value matching, attribute key matching
 * (`exists`), IP address matching (`cidr`, IPv4), AND across keys, OR within a key's
 * array, the `$or` operator, and String.Array attributes (a key matches when any element
 * matches). Limits: ≤ 5 keys and ≤ 150 value combinations per policy.
 * https://docs.aws.amazon.com/sns/latest/dg/sns-subscription-filter-policies.html
 */
import type { Issue, SnsMessageAttributes } from '../types';

export type FilterPolicy = Record<string, unknown>;

/** SNS limits (subscription-filter-policy-constraints.html). */
export const FILTER_POLICY_LIMITS = { maxKeys: 5, maxCombinations: 150, maxNumber: 1e9 } as const;

const NUMERIC_OPS = new Set(['=', '<', '<=', '>', '>=']);
const OPERATOR_KEYS = new Set([
  'prefix',
  'suffix',
  'equals-ignore-case',
  'anything-but',
  'numeric',
  'exists',
  'cidr',
]);

/** An attribute's values as SNS sees them: String → [s], Number → [n], String.Array → its elements. */
type AttributeValue = string | number | boolean | null;

// ---------------------------------------------------------------------------
// Matching

/**
 * True when a message with `attributes` would be delivered to a subscription with `policy`.
 * Assumes a policy that `validateFilterPolicy` accepts; unknown shapes never match.
 */
export function matchesFilterPolicy(
  policy: FilterPolicy,
  attributes: SnsMessageAttributes,
): boolean {
  return Object.entries(policy).every(([key, conditions]) => {
    if (key === '$or' && isOrOperator(conditions)) {
      return conditions.some((branch) => matchesFilterPolicy(branch, attributes));
    }
    if (!Array.isArray(conditions)) return false;
    const attribute = attributes[key];
    if (attribute === undefined) {
      // Only `{"exists": false}` matches a missing attribute; anything-but needs the key present.
      return conditions.some((c) => isRecord(c) && c.exists === false);
    }
    const values = attributeValues(attribute);
    return conditions.some((condition) =>
      values.some((value) => matchesCondition(condition, value)),
    );
  });
}

function attributeValues(attribute: SnsMessageAttributes[string]): AttributeValue[] {
  switch (attribute.DataType) {
    case 'String':
      return [attribute.StringValue];
    case 'Number': {
      const n = Number(attribute.StringValue);
      return Number.isFinite(n) ? [n] : [];
    }
    case 'String.Array': {
      // SNS rejects a malformed String.Array at publish time; here it simply has no values.
      try {
        const parsed: unknown = JSON.parse(attribute.StringValue);
        if (!Array.isArray(parsed)) return [];
        return parsed.filter(
          (v): v is AttributeValue =>
            v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean',
        );
      } catch {
        return [];
      }
    }
    default:
      return [];
  }
}

function matchesCondition(condition: unknown, value: AttributeValue): boolean {
  if (condition === null || typeof condition !== 'object') return equalsLiteral(condition, value);
  if (!isRecord(condition)) return false;
  const [op, arg] = singleEntry(condition) ?? [];
  switch (op) {
    case 'exists':
      // The attribute is present (checked by the caller), so only `exists: true` holds.
      return arg === true;
    case 'prefix':
      return typeof value === 'string' && typeof arg === 'string' && value.startsWith(arg);
    case 'suffix':
      return typeof value === 'string' && typeof arg === 'string' && value.endsWith(arg);
    case 'equals-ignore-case':
      return (
        typeof value === 'string' &&
        typeof arg === 'string' &&
        value.toLowerCase() === arg.toLowerCase()
      );
    case 'numeric':
      return typeof value === 'number' && Array.isArray(arg) && matchesNumeric(arg, value);
    case 'cidr':
      return typeof value === 'string' && typeof arg === 'string' && matchesCidr(arg, value);
    case 'anything-but':
      return matchesAnythingBut(arg, value);
    default:
      return false;
  }
}

function equalsLiteral(literal: unknown, value: AttributeValue): boolean {
  if (typeof literal === 'number' && typeof value === 'number') return sameNumber(literal, value);
  return literal === value;
}

/** SNS compares numbers with five digits after the decimal point. */
function sameNumber(a: number, b: number): boolean {
  return Math.round(a * 1e5) === Math.round(b * 1e5);
}

function matchesAnythingBut(arg: unknown, value: AttributeValue): boolean {
  if (isRecord(arg)) {
    const [op, operand] = singleEntry(arg) ?? [];
    if (typeof value !== 'string' || typeof operand !== 'string') return false;
    if (op === 'prefix') return !value.startsWith(operand);
    if (op === 'suffix') return !value.endsWith(operand);
    if (op === 'equals-ignore-case') return value.toLowerCase() !== operand.toLowerCase();
    return false;
  }
  const excluded = Array.isArray(arg) ? arg : [arg];
  return !excluded.some((e) => equalsLiteral(e, value));
}

function matchesNumeric(terms: readonly unknown[], value: number): boolean {
  for (let i = 0; i + 1 < terms.length; i += 2) {
    const op = terms[i];
    const bound = terms[i + 1];
    if (typeof bound !== 'number') return false;
    const v = Math.round(value * 1e5);
    const b = Math.round(bound * 1e5);
    const ok =
      op === '='
        ? v === b
        : op === '<'
          ? v < b
          : op === '<='
            ? v <= b
            : op === '>'
              ? v > b
              : op === '>='
                ? v >= b
                : false;
    if (!ok) return false;
  }
  return terms.length > 0;
}

function parseIpv4(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let n = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return null;
    const octet = Number(part);
    if (octet > 255) return null;
    n = n * 256 + octet;
  }
  return n;
}

function parseCidr(cidr: string): { base: number; bits: number } | null {
  const [ip, bitsText, extra] = cidr.split('/');
  if (
    ip === undefined ||
    bitsText === undefined ||
    extra !== undefined ||
    !/^\d{1,2}$/.test(bitsText)
  )
    return null;
  const base = parseIpv4(ip);
  const bits = Number(bitsText);
  if (base === null || bits > 32) return null;
  return { base, bits };
}

function matchesCidr(cidr: string, value: string): boolean {
  const range = parseCidr(cidr);
  const ip = parseIpv4(value);
  if (range === null || ip === null) return false;
  const size = 2 ** (32 - range.bits);
  return Math.floor(ip / size) === Math.floor(range.base / size);
}

/**
 * SNS treats `$or` as the operator only when its value is an array of at least two
 * objects, none of which uses an operator keyword as a field name; otherwise `$or` is an
 * ordinary attribute name (and-or-logic.html#or-operator).
 */
function isOrOperator(value: unknown): value is FilterPolicy[] {
  return (
    Array.isArray(value) &&
    value.length >= 2 &&
    value.every(
      (branch) => isRecord(branch) && Object.keys(branch).every((k) => !OPERATOR_KEYS.has(k)),
    )
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function singleEntry(record: Record<string, unknown>): [string, unknown] | undefined {
  const entries = Object.entries(record);
  return entries.length === 1 ? entries[0] : undefined;
}

// ---------------------------------------------------------------------------
// Validation

/**
 * Every reason SNS would refuse `policy` as an attribute-scope filter policy, with a
 * dotted path inside the policy ('' for the whole policy) and a plain-English fix.
 */
export function validateFilterPolicy(policy: unknown): Issue[] {
  if (!isRecord(policy)) {
    return [
      {
        path: '',
        message: 'A filter policy must be an object like {"type": ["statement.released"]}.',
      },
    ];
  }
  const issues: Issue[] = [];
  checkPolicyObject(policy, '', issues);
  if (issues.length > 0) return issues;

  // Limits apply to each alternative the `$or`s expand into (and-or-logic.html, constraints page).
  const alternatives = expandAlternatives(policy);
  const widest = alternatives.reduce((max, a) => Math.max(max, a.keys), 0);
  if (widest > FILTER_POLICY_LIMITS.maxKeys) {
    issues.push({
      path: '',
      message: `A filter policy can use at most ${FILTER_POLICY_LIMITS.maxKeys} attribute names (this one uses ${widest}); drop or merge some.`,
    });
  }
  const combinations = alternatives.reduce((sum, a) => sum + a.combinations, 0);
  if (combinations > FILTER_POLICY_LIMITS.maxCombinations) {
    issues.push({
      path: '',
      message: `This filter policy has ${combinations} value combinations; SNS allows at most ${FILTER_POLICY_LIMITS.maxCombinations} (multiply the number of values for each attribute). Use fewer values or a prefix.`,
    });
  }
  return issues;
}

/** Total value combinations SNS counts against the 150 limit. */
export function filterPolicyCombinations(policy: FilterPolicy): number {
  return expandAlternatives(policy).reduce((sum, a) => sum + a.combinations, 0);
}

interface Alternative {
  keys: number;
  combinations: number;
}

function expandAlternatives(policy: FilterPolicy): Alternative[] {
  let alternatives: Alternative[] = [{ keys: 0, combinations: 1 }];
  for (const [key, value] of Object.entries(policy)) {
    if (key === '$or' && isOrOperator(value)) {
      const branches = value.flatMap((branch) => expandAlternatives(branch));
      alternatives = alternatives.flatMap((a) =>
        branches.map((b) => ({
          keys: a.keys + b.keys,
          combinations: a.combinations * b.combinations,
        })),
      );
    } else {
      const width = Array.isArray(value) ? value.length : 1;
      alternatives = alternatives.map((a) => ({
        keys: a.keys + 1,
        combinations: a.combinations * width,
      }));
    }
  }
  return alternatives;
}

function join(path: string, key: string | number): string {
  return path === '' ? String(key) : `${path}.${key}`;
}

function checkPolicyObject(policy: Record<string, unknown>, path: string, issues: Issue[]): void {
  for (const [key, value] of Object.entries(policy)) {
    const here = join(path, key);
    if (key === '$or' && isOrOperator(value)) {
      value.forEach((branch, i) => {
        checkPolicyObject(branch, join(here, i), issues);
      });
      continue;
    }
    if (key === '$or' && Array.isArray(value)) {
      issues.push({
        path: here,
        message:
          '"$or" needs a list of at least two policy objects, e.g. [{"type": ["a"]}, {"kind": ["b"]}].',
      });
      continue;
    }
    if (!Array.isArray(value)) {
      issues.push({
        path: here,
        message: isRecord(value)
          ? 'Attribute filter policies cannot be nested; give a list of values, e.g. ["statement.released"].'
          : `Put the value in a list: [${JSON.stringify(value)}].`,
      });
      continue;
    }
    if (value.length === 0) {
      issues.push({
        path: here,
        message: 'Give at least one value to match; an empty list matches nothing.',
      });
      continue;
    }
    value.forEach((condition, i) => {
      checkCondition(condition, join(here, i), issues);
    });
  }
}

function checkCondition(condition: unknown, path: string, issues: Issue[]): void {
  if (condition === null || typeof condition === 'string' || typeof condition === 'boolean') return;
  if (typeof condition === 'number') {
    checkNumber(condition, path, issues);
    return;
  }
  if (!isRecord(condition)) {
    issues.push({
      path,
      message: 'A value must be a string, a number, true, false, null or an operator object.',
    });
    return;
  }
  const entry = singleEntry(condition);
  if (entry === undefined) {
    issues.push({
      path,
      message: 'An operator object has exactly one key, e.g. {"prefix": "statement."}.',
    });
    return;
  }
  const [op, arg] = entry;
  const at = join(path, op);
  switch (op) {
    case 'prefix':
    case 'suffix':
    case 'equals-ignore-case':
      if (typeof arg !== 'string' || arg === '')
        issues.push({ path: at, message: `"${op}" takes a non-empty string.` });
      return;
    case 'exists':
      if (typeof arg !== 'boolean')
        issues.push({ path: at, message: '"exists" takes true or false.' });
      return;
    case 'cidr':
      if (typeof arg !== 'string' || parseCidr(arg) === null) {
        issues.push({ path: at, message: '"cidr" takes an IPv4 range such as "10.0.0.0/24".' });
      }
      return;
    case 'numeric':
      checkNumeric(arg, at, issues);
      return;
    case 'anything-but':
      checkAnythingBut(arg, at, issues);
      return;
    default:
      issues.push({
        path,
        message: `"${op}" is not a filter operator; use one of ${[...OPERATOR_KEYS].map((k) => `"${k}"`).join(', ')}.`,
      });
  }
}

function checkNumber(n: number, path: string, issues: Issue[]): void {
  if (!Number.isFinite(n) || Math.abs(n) > FILTER_POLICY_LIMITS.maxNumber) {
    issues.push({
      path,
      message: 'Numbers in a filter policy must be between -1,000,000,000 and 1,000,000,000.',
    });
  }
}

function checkNumeric(arg: unknown, path: string, issues: Issue[]): void {
  const shape = '"numeric" takes ["=", 5], [">", 0] or a range such as [">", 0, "<=", 150].';
  if (!Array.isArray(arg) || (arg.length !== 2 && arg.length !== 4)) {
    issues.push({ path, message: shape });
    return;
  }
  for (let i = 0; i < arg.length; i += 2) {
    const op = arg[i];
    const bound = arg[i + 1];
    if (typeof op !== 'string' || !NUMERIC_OPS.has(op) || typeof bound !== 'number') {
      issues.push({ path, message: shape });
      return;
    }
    checkNumber(bound, join(path, i + 1), issues);
  }
  if (arg.length === 4) {
    const [lowOp, low, highOp, high] = arg as [string, number, string, number];
    if (!(lowOp === '>' || lowOp === '>=') || !(highOp === '<' || highOp === '<=') || low >= high) {
      issues.push({
        path,
        message: 'A numeric range is a lower bound then a higher upper bound: [">", 0, "<=", 150].',
      });
    }
  }
}

function checkAnythingBut(arg: unknown, path: string, issues: Issue[]): void {
  if (typeof arg === 'string') return;
  if (typeof arg === 'number') {
    checkNumber(arg, path, issues);
    return;
  }
  if (Array.isArray(arg)) {
    const allStrings = arg.every((v) => typeof v === 'string');
    const allNumbers = arg.every((v) => typeof v === 'number');
    if (arg.length === 0 || !(allStrings || allNumbers)) {
      issues.push({
        path,
        message: '"anything-but" takes a non-empty list of strings or of numbers.',
      });
    }
    return;
  }
  if (isRecord(arg)) {
    const entry = singleEntry(arg);
    if (
      entry !== undefined &&
      (entry[0] === 'prefix' || entry[0] === 'suffix' || entry[0] === 'equals-ignore-case') &&
      typeof entry[1] === 'string' &&
      entry[1] !== ''
    ) {
      return;
    }
  }
  issues.push({
    path,
    message:
      '"anything-but" takes a value, a list of values, or {"prefix": "…"} / {"suffix": "…"}.',
  });
}
