/** Every reason SNS would refuse a filter policy, in plain English, with where in the policy. */
import type { Issue } from '../types';
import {
  FILTER_POLICY_LIMITS,
  type FilterPolicy,
  isOrOperator,
  isRecord,
  NUMERIC_OPS,
  OPERATOR_KEYS,
  parseCidr,
  singleEntry,
} from './shape';

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
