/** Whether SNS would deliver a message with these attributes to a subscription with this policy. */
import type { SnsMessageAttributes } from '../types';
import {
  type FilterPolicy,
  isOrOperator,
  isRecord,
  parseCidr,
  parseIpv4,
  singleEntry,
} from './shape';

/** An attribute's values as SNS sees them: String → [s], Number → [n], String.Array → its elements. */
type AttributeValue = string | number | boolean | null;

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

function matchesCidr(cidr: string, value: string): boolean {
  const range = parseCidr(cidr);
  const ip = parseIpv4(value);
  if (range === null || ip === null) return false;
  const size = 2 ** (32 - range.bits);
  return Math.floor(ip / size) === Math.floor(range.base / size);
}
