/** What matching and validation share: the policy's shape, SNS's limits and operators, IPv4 CIDR parsing. */

export type FilterPolicy = Record<string, unknown>;

/** SNS limits (subscription-filter-policy-constraints.html). */
export const FILTER_POLICY_LIMITS = { maxKeys: 5, maxCombinations: 150, maxNumber: 1e9 } as const;

export const NUMERIC_OPS = new Set(['=', '<', '<=', '>', '>=']);
export const OPERATOR_KEYS = new Set([
  'prefix',
  'suffix',
  'equals-ignore-case',
  'anything-but',
  'numeric',
  'exists',
  'cidr',
]);

export function parseIpv4(text: string): number | null {
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

export function parseCidr(cidr: string): { base: number; bits: number } | null {
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

/**
 * SNS treats `$or` as the operator only when its value is an array of at least two
 * objects, none of which uses an operator keyword as a field name; otherwise `$or` is an
 * ordinary attribute name (and-or-logic.html#or-operator).
 */
export function isOrOperator(value: unknown): value is FilterPolicy[] {
  return (
    Array.isArray(value) &&
    value.length >= 2 &&
    value.every(
      (branch) => isRecord(branch) && Object.keys(branch).every((k) => !OPERATOR_KEYS.has(k)),
    )
  );
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function singleEntry(record: Record<string, unknown>): [string, unknown] | undefined {
  const entries = Object.entries(record);
  return entries.length === 1 ? entries[0] : undefined;
}
