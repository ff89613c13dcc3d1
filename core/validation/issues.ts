/**
 * zod issues → Issue {path, message} for the person who wrote the file.
 *
 * The schemas carry most messages themselves. This module fills the gaps:
 * missing required fields, unknown fields (one Issue each, with a "did you
 * mean" hint taken from the schema's known keys at that level), unions, and
 * plain-English defaults for schema parts without a message of their own.
 */
import type * as z from 'zod';
import {
  $ZodArray,
  $ZodCatch,
  $ZodDefault,
  $ZodLazy,
  $ZodNonOptional,
  $ZodNullable,
  $ZodObject,
  $ZodOptional,
  $ZodPipe,
  $ZodPrefault,
  $ZodReadonly,
  $ZodRecord,
  $ZodUnion,
} from 'zod/v4/core';
import type { Issue } from '../types';

type ZodIssue = z.core.$ZodIssue;
type Schema = z.core.$ZodType;

export interface IssueOptions {
  /** The schema the data was checked against: known field names per level come from it. */
  schema: Schema;
  /** The data that was checked, to tell a missing field from a wrong one. */
  input: unknown;
  /**
   * What to write for a missing required field, by path with list indexes as
   * `*` (`links.*.url`): "add … ". Without a hint a generic sentence is used.
   */
  requiredHints?: Readonly<Record<string, string>>;
}

/** Dotted JSON path: `links.0.url`; '' for the root. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.map((p) => (typeof p === 'symbol' ? (p.description ?? '') : String(p))).join('.');
}

/**
 * Messages for schema parts that have none of their own. Passed to
 * `safeParse(data, {error})`: zod uses it only where the schema gives no
 * message. The path is shown beside the message, so the subject is "This".
 */
export const plainEnglishErrors: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      return `This must be ${expectedNoun(issue.expected)}, not ${describeInput(issue.input)}.`;
    case 'too_big':
      if (issue.origin === 'string') {
        return `This is too long: keep it to ${issue.maximum} characters or fewer.`;
      }
      if (issue.origin === 'array')
        return `This list is too long: use at most ${issue.maximum} items.`;
      return `This must be ${issue.inclusive === false ? 'less than' : 'at most'} ${issue.maximum}.`;
    case 'too_small':
      if (issue.origin === 'string') {
        return Number(issue.minimum) <= 1
          ? 'This is empty; write some text or remove the field.'
          : `This is too short: write at least ${issue.minimum} characters.`;
      }
      if (issue.origin === 'array') {
        return `This list needs at least ${issue.minimum} item${Number(issue.minimum) === 1 ? '' : 's'}.`;
      }
      return `This must be ${issue.inclusive === false ? 'more than' : 'at least'} ${issue.minimum}.`;
    case 'invalid_format':
      if (issue.format === 'email')
        return 'This is not a valid email address (like name@example.org).';
      if (issue.format === 'url')
        return 'This is not a valid web address (like https://www.example.org).';
      return 'This is not in the expected format.';
    case 'invalid_value':
      return issue.values.length === 1
        ? `This must be ${JSON.stringify(issue.values[0])}.`
        : `This must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}.`;
    case 'not_multiple_of':
      return `This must be a multiple of ${issue.divisor}.`;
    case 'invalid_union':
      return 'This does not match any of the allowed forms.';
    case 'invalid_key':
      return 'This field name is not allowed here.';
    case 'invalid_element':
      return 'This list contains a value that is not allowed.';
    case 'unrecognized_keys':
      // Replaced per key by toIssues; this keeps zod's own text out of reports.
      return 'Unknown field.';
    default:
      return 'This value is not allowed here.';
  }
};

function expectedNoun(expected: string): string {
  switch (expected) {
    case 'string':
      return 'text in double quotes';
    case 'number':
      return 'a number (without quotes)';
    case 'int':
      return 'a whole number (without quotes)';
    case 'boolean':
      return 'true or false (without quotes)';
    case 'array':
    case 'tuple':
      return 'a list in square brackets [ … ]';
    case 'object':
    case 'record':
      return 'an object in curly braces { … }';
    case 'null':
      return 'null';
    default:
      return `a ${expected}`;
  }
}

function describeInput(input: unknown): string {
  if (input === undefined) return 'missing';
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'a list';
  if (typeof input === 'string') return 'text';
  if (typeof input === 'number') return 'a number';
  if (typeof input === 'boolean') return `${input}`;
  return `an ${typeof input}`;
}

/** Every zod issue as plain-English Issues: one per unknown field, "is required" for missing ones. */
export function toIssues(zodIssues: readonly ZodIssue[], options: IssueOptions): Issue[] {
  const out: Issue[] = [];
  for (const issue of zodIssues) convert(issue, [], options, out);
  const seen = new Set<string>();
  return out.filter((i) => {
    const key = `${i.path}\u0000${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function convert(
  issue: ZodIssue,
  prefix: PropertyKey[],
  options: IssueOptions,
  out: Issue[],
): void {
  const path = [...prefix, ...issue.path];
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = knownKeysAt(options.schema, path);
      for (const key of issue.keys) {
        out.push({ path: formatPath([...path, key]), message: unknownFieldMessage(key, known) });
      }
      return;
    }
    case 'invalid_type':
      if (isMissing(options.input, path)) {
        out.push({ path: formatPath(path), message: requiredMessage(path, options.requiredHints) });
        return;
      }
      break;
    case 'invalid_union': {
      // Report the alternative that came closest (fewest problems), unless the
      // value matched none of them at all; then the union's own message says it.
      const best = [...issue.errors].sort((a, b) => a.length - b.length)[0];
      const onlyTypeMismatch =
        best === undefined ||
        best.length === 0 ||
        issue.errors.every((e) => e.every((i) => i.code === 'invalid_type' && i.path.length === 0));
      if (!onlyTypeMismatch) {
        for (const inner of best) convert(inner, path, options, out);
        return;
      }
      break;
    }
    default:
      break;
  }
  out.push({ path: formatPath(path), message: issue.message });
}

function isMissing(input: unknown, path: readonly PropertyKey[]): boolean {
  if (path.length === 0) return input === undefined;
  let parent: unknown = input;
  for (const segment of path.slice(0, -1)) {
    if (typeof parent !== 'object' || parent === null) return false;
    parent = (parent as Record<PropertyKey, unknown>)[segment];
  }
  const last = path[path.length - 1];
  return (
    typeof parent === 'object' &&
    parent !== null &&
    !Array.isArray(parent) &&
    last !== undefined &&
    !Object.hasOwn(parent, last)
  );
}

function requiredMessage(
  path: readonly PropertyKey[],
  hints?: Readonly<Record<string, string>>,
): string {
  const label = formatPath(path);
  const pattern = path.map((p) => (typeof p === 'number' ? '*' : String(p))).join('.');
  const hint = hints?.[pattern];
  if (hint) return `${label} is required: ${hint}`;
  const key = String(path[path.length - 1] ?? '');
  const parent = formatPath(path.slice(0, -1));
  return `${label} is required: add "${key}" ${parent === '' ? 'at the top level of the file' : `inside ${parent}`}.`;
}

/** The message for a field the schema does not know, with a suggestion when one is close. */
export function unknownFieldMessage(key: string, known: readonly string[] | undefined): string {
  const suggestion = known ? suggestKey(key, known) : undefined;
  if (suggestion !== undefined) return `Unknown field "${key}": did you mean "${suggestion}"?`;
  const allowed = known?.filter((k) => k !== '$schema') ?? [];
  const list =
    allowed.length > 0 && allowed.length <= 8 ? ` Fields allowed here: ${allowed.join(', ')}.` : '';
  return `Unknown field "${key}": remove it or check its spelling.${list}`;
}

/**
 * The known key a person most likely meant: same name ignoring case, then
 * ignoring case, dashes and underscores, then the closest by edit distance
 * (within a budget that grows with the length, so short names need near-exact matches).
 */
export function suggestKey(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  const sameCase = known.find((k) => k.toLowerCase() === lower);
  if (sameCase !== undefined) return sameCase;
  const squash = (s: string) => s.toLowerCase().replace(/[-_\s]/g, '');
  const squashed = squash(key);
  const sameSquashed = known.find((k) => squash(k) === squashed);
  if (sameSquashed !== undefined) return sameSquashed;
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const c = squash(candidate);
    const longest = Math.max(c.length, squashed.length);
    const budget = longest <= 4 ? 1 : longest <= 8 ? 2 : 3;
    const distance = editDistance(squashed, c);
    if (distance <= budget && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/**
 * Optimal-string-alignment distance (Levenshtein plus adjacent swaps, so
 * "haedline" is one typo from "headline"). Hand-written: no well-kept package
 * for it is installed, and field names are short enough for the O(n·m) table.
 */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array(rows * cols).fill(0);
  const at = (i: number, j: number) => d[i * cols + j] ?? 0;
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, at(i - 2, j - 2) + 1);
      }
      d[i * cols + j] = value;
    }
  }
  return at(a.length, b.length);
}

/**
 * The field names the schema allows at `path` (list indexes step into the
 * item schema), or undefined when the schema has no fixed keys there.
 */
export function knownKeysAt(schema: Schema, path: readonly PropertyKey[]): string[] | undefined {
  let current: Schema[] = [schema];
  for (const segment of path) {
    const next: Schema[] = [];
    for (const s of current.flatMap(unwrap)) {
      if (s instanceof $ZodObject) {
        const child = s._zod.def.shape[String(segment)];
        if (child) next.push(child);
      } else if (s instanceof $ZodArray && typeof segment === 'number') {
        next.push(s._zod.def.element);
      } else if (s instanceof $ZodRecord) {
        next.push(s._zod.def.valueType);
      }
    }
    current = next;
  }
  const objects = current.flatMap(unwrap).filter((s) => s instanceof $ZodObject);
  if (objects.length === 0) return undefined;
  return [...new Set(objects.flatMap((o) => Object.keys(o._zod.def.shape)))];
}

/** The schemas a value is really checked against, through optional/default/pipe/union wrappers. */
function unwrap(schema: Schema): Schema[] {
  if (
    schema instanceof $ZodOptional ||
    schema instanceof $ZodNullable ||
    schema instanceof $ZodDefault ||
    schema instanceof $ZodPrefault ||
    schema instanceof $ZodNonOptional ||
    schema instanceof $ZodReadonly ||
    schema instanceof $ZodCatch
  ) {
    return unwrap(schema._zod.def.innerType);
  }
  if (schema instanceof $ZodPipe) return unwrap(schema._zod.def.in);
  if (schema instanceof $ZodLazy) return unwrap(schema._zod.def.getter());
  if (schema instanceof $ZodUnion) return schema._zod.def.options.flatMap(unwrap);
  return [schema];
}

/**
 * Issues in the order their fields appear in the file; a missing field sorts
 * just after its parent object starts (so missing top-level fields come first).
 * Stable: issues at the same place keep the schema's order.
 */
export function sortIssues(
  issues: readonly Issue[],
  offsets: ReadonlyMap<string, number>,
): Issue[] {
  const rank = (path: string): [number, number] => {
    let p = path;
    for (;;) {
      const offset = offsets.get(p);
      if (offset !== undefined) return [offset, p === path ? 0 : 1];
      if (p === '') return [0, 1];
      const dot = p.lastIndexOf('.');
      p = dot < 0 ? '' : p.slice(0, dot);
    }
  };
  return issues
    .map((issue, index) => ({ issue, index, rank: rank(issue.path) }))
    .sort((a, b) => a.rank[0] - b.rank[0] || a.rank[1] - b.rank[1] || a.index - b.index)
    .map((x) => x.issue);
}
