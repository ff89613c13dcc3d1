/**
 * Cases taken from the Amazon SNS developer guide (attribute scope):
 * - https://docs.aws.amazon.com/sns/latest/dg/string-value-matching.html
 * - https://docs.aws.amazon.com/sns/latest/dg/numeric-value-matching.html
 * - https://docs.aws.amazon.com/sns/latest/dg/attribute-key-matching.html
 * - https://docs.aws.amazon.com/sns/latest/dg/and-or-logic.html
 * - https://docs.aws.amazon.com/sns/latest/dg/example-filter-policies.html
 * - https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type FilterPolicy,
  filterPolicyCombinations,
  matchesFilterPolicy,
  validateFilterPolicy,
} from '../../core/filter-policy';
import type { SnsMessageAttributes } from '../../core/types';

const str = (v: string) => ({ DataType: 'String', StringValue: v }) as const;
const num = (v: number | string) => ({ DataType: 'Number', StringValue: String(v) }) as const;
const arr = (v: unknown[]) =>
  ({ DataType: 'String.Array', StringValue: JSON.stringify(v) }) as const;

function matches(policy: FilterPolicy, attributes: SnsMessageAttributes): boolean {
  expect(validateFilterPolicy(policy)).toEqual([]);
  return matchesFilterPolicy(policy, attributes);
}

describe('string value matching (string-value-matching.html)', () => {
  it('exact: matches String values and any String.Array element', () => {
    const policy = { customer_interests: ['rugby', 'tennis'] };
    expect(matches(policy, { customer_interests: str('rugby') })).toBe(true);
    expect(matches(policy, { customer_interests: str('tennis') })).toBe(true);
    expect(matches(policy, { customer_interests: arr(['rugby', 'tennis']) })).toBe(true);
    expect(matches(policy, { customer_interests: str('baseball') })).toBe(false);
    expect(matches(policy, { customer_interests: arr(['baseball']) })).toBe(false);
  });

  it('exact matching is case-sensitive', () => {
    expect(matches({ customer_interests: ['rugby'] }, { customer_interests: str('Rugby') })).toBe(
      false,
    );
  });

  it('anything-but: a list of values', () => {
    const policy = { customer_interests: [{ 'anything-but': ['rugby', 'tennis'] }] };
    expect(matches(policy, { customer_interests: str('baseball') })).toBe(true);
    expect(matches(policy, { customer_interests: str('volleyball') })).toBe(true);
    // Matches because the array contains a value that is neither rugby nor tennis.
    expect(matches(policy, { customer_interests: arr(['rugby', 'baseball']) })).toBe(true);
    expect(matches(policy, { customer_interests: str('rugby') })).toBe(false);
    expect(matches(policy, { customer_interests: arr(['rugby', 'tennis']) })).toBe(false);
  });

  it('anything-but: a single value', () => {
    const policy = { event: [{ 'anything-but': 'order_cancelled' }] };
    expect(matches(policy, { event: str('order_placed') })).toBe(true);
    expect(matches(policy, { event: str('order_cancelled') })).toBe(false);
  });

  it('anything-but prefix', () => {
    const policy = { event: [{ 'anything-but': { prefix: 'order-' } }] };
    expect(matches(policy, { event: str('data-entry') })).toBe(true);
    expect(matches(policy, { event: str('order_number') })).toBe(true);
    expect(matches(policy, { event: str('order-cancelled') })).toBe(false);
  });

  it('anything-but suffix', () => {
    const policy = { event: [{ 'anything-but': { suffix: '-cancelled' } }] };
    expect(matches(policy, { event: str('order-placed') })).toBe(true);
    expect(matches(policy, { event: str('order-cancelled') })).toBe(false);
  });

  it('anything-but needs the attribute to be present', () => {
    expect(matches({ event: [{ 'anything-but': 'x' }] }, {})).toBe(false);
  });

  it('equals-ignore-case', () => {
    const policy = { customer_interests: [{ 'equals-ignore-case': 'tennis' }] };
    expect(matches(policy, { customer_interests: str('TENNIS') })).toBe(true);
    expect(matches(policy, { customer_interests: str('Tennis') })).toBe(true);
    expect(matches(policy, { customer_interests: str('baseball') })).toBe(false);
  });

  it('prefix', () => {
    const policy = { customer_interests: [{ prefix: 'bas' }] };
    expect(matches(policy, { customer_interests: str('baseball') })).toBe(true);
    expect(matches(policy, { customer_interests: str('basketball') })).toBe(true);
    expect(matches(policy, { customer_interests: str('rugby') })).toBe(false);
  });

  it('suffix', () => {
    const policy = { customer_interests: [{ suffix: 'ball' }] };
    expect(matches(policy, { customer_interests: str('baseball') })).toBe(true);
    expect(matches(policy, { customer_interests: str('basketball') })).toBe(true);
    expect(matches(policy, { customer_interests: str('rugby') })).toBe(false);
  });

  it('IP address matching (cidr)', () => {
    const policy = { source_ip: [{ cidr: '10.0.0.0/24' }] };
    expect(matches(policy, { source_ip: str('10.0.0.0') })).toBe(true);
    expect(matches(policy, { source_ip: str('10.0.0.255') })).toBe(true);
    expect(matches(policy, { source_ip: str('10.1.1.0') })).toBe(false);
  });
});

describe('numeric value matching (numeric-value-matching.html)', () => {
  it('exact: 301.5 matches 301.5 and 3.015e2', () => {
    const policy = { price_usd: [{ numeric: ['=', 301.5] }] };
    expect(matches(policy, { price_usd: num(301.5) })).toBe(true);
    expect(matches(policy, { price_usd: num('3.015e2') })).toBe(true);
    expect(matches(policy, { price_usd: num(301) })).toBe(false);
  });

  it('anything-but numbers, including arrays holding another value', () => {
    const policy = { price: [{ 'anything-but': [100, 500] }] };
    expect(matches(policy, { price: num(101) })).toBe(true);
    expect(matches(policy, { price: num(100.1) })).toBe(true);
    expect(matches(policy, { price: arr([100, 50]) })).toBe(true);
    expect(matches(policy, { price: num(100) })).toBe(false);
  });

  it('value ranges', () => {
    const negative = { price_usd: [{ numeric: ['<', 0] }] };
    expect(matches(negative, { price_usd: num(-1) })).toBe(true);
    expect(matches(negative, { price_usd: num(0) })).toBe(false);
    const range = { price_usd: [{ numeric: ['>', 0, '<=', 150] }] };
    expect(matches(range, { price_usd: num(150) })).toBe(true);
    expect(matches(range, { price_usd: num(0.00001) })).toBe(true);
    expect(matches(range, { price_usd: num(0) })).toBe(false);
    expect(matches(range, { price_usd: num(150.5) })).toBe(false);
  });

  it('numeric conditions only match Number values, not strings', () => {
    expect(matches({ price_usd: [{ numeric: ['=', 5] }] }, { price_usd: str('5') })).toBe(false);
  });
});

describe('attribute key matching (attribute-key-matching.html)', () => {
  it('exists: true matches any value of a present attribute', () => {
    const policy = { store: [{ exists: true }] };
    expect(matches(policy, { store: str('example_corp') })).toBe(true);
    expect(matches(policy, { store: arr([]) })).toBe(false);
    expect(matches(policy, { event: str('order_placed') })).toBe(false);
  });

  it('exists: false matches only when the attribute is absent', () => {
    const policy = { store: [{ exists: false }] };
    expect(matches(policy, { event: str('order_placed') })).toBe(true);
    expect(matches(policy, { store: str('example_corp') })).toBe(false);
  });
});

describe('AND / OR logic (and-or-logic.html)', () => {
  it('AND across keys', () => {
    const policy = { customer_interests: ['rugby'], price_usd: [{ numeric: ['>', 100] }] };
    expect(matches(policy, { customer_interests: str('rugby'), price_usd: num(101) })).toBe(true);
    expect(matches(policy, { customer_interests: str('rugby'), price_usd: num(99) })).toBe(false);
    expect(matches(policy, { customer_interests: str('rugby') })).toBe(false);
  });

  it('OR within a key', () => {
    const policy = { customer_interests: ['rugby', 'football', 'baseball'] };
    expect(matches(policy, { customer_interests: str('football') })).toBe(true);
    expect(matches(policy, { customer_interests: str('tennis') })).toBe(false);
  });

  it('$or operator', () => {
    const policy = {
      source: ['aws.cloudwatch'],
      $or: [{ metricName: ['CPUUtilization'] }, { namespace: ['AWS/EC2'] }],
    };
    expect(
      matches(policy, { source: str('aws.cloudwatch'), metricName: str('CPUUtilization') }),
    ).toBe(true);
    expect(matches(policy, { source: str('aws.cloudwatch'), namespace: str('AWS/EC2') })).toBe(
      true,
    );
    expect(matches(policy, { source: str('aws.cloudwatch'), namespace: str('AWS/ES') })).toBe(
      false,
    );
    expect(matches(policy, { source: str('aws.other'), metricName: str('CPUUtilization') })).toBe(
      false,
    );
  });

  it('$or with fewer than two branches is an ordinary attribute name', () => {
    const policy = { $or: [{ metricName: ['CPUUtilization'] }] };
    expect(matchesFilterPolicy(policy, { metricName: str('CPUUtilization') })).toBe(false);
    expect(validateFilterPolicy(policy)).not.toEqual([]);
  });

  it('nested $or: complexity is the sum over the alternatives, (1×2)+(1×1×2)+(1×1×3) = 7', () => {
    const policy = {
      source: ['aws.cloudwatch'],
      $or: [
        { metricName: ['CPUUtilization', 'ReadLatency'] },
        {
          metricType: ['MetricType'],
          $or: [{ metricId: [1234, 4321] }, { spaceId: [1000, 2000, 3000] }],
        },
      ],
    };
    expect(validateFilterPolicy(policy)).toEqual([]);
    expect(filterPolicyCombinations(policy)).toBe(7);
    expect(
      matchesFilterPolicy(policy, {
        source: str('aws.cloudwatch'),
        metricType: str('MetricType'),
        spaceId: num(2000),
      }),
    ).toBe(true);
    expect(
      matchesFilterPolicy(policy, {
        source: str('aws.cloudwatch'),
        metricType: str('MetricType'),
        spaceId: num(4000),
      }),
    ).toBe(false);
  });
});

describe('the worked example (example-filter-policies.html)', () => {
  const message: SnsMessageAttributes = {
    customer_interests: arr(['soccer', 'rugby', 'hockey']),
    store: str('example_corp'),
    event: str('order_placed'),
    price_usd: num('210.75'),
  };

  it('accepts the message with the documented policy', () => {
    const policy = {
      store: ['example_corp'],
      event: [{ 'anything-but': 'order_cancelled' }],
      customer_interests: ['rugby', 'football', 'baseball'],
      price_usd: [{ numeric: ['>=', 100] }],
    };
    expect(matches(policy, message)).toBe(true);
  });

  it('rejects it when any key fails', () => {
    expect(
      matches({ store: ['example_corp'], event: [{ 'anything-but': 'order_placed' }] }, message),
    ).toBe(false);
    expect(matches({ price_usd: [{ numeric: ['<', 100] }] }, message)).toBe(false);
  });

  it('ignores message attributes the policy does not name', () => {
    expect(matches({ store: ['example_corp'] }, message)).toBe(true);
    expect(matches({}, message)).toBe(true);
  });
});

describe('Herald partner attributes', () => {
  const released: SnsMessageAttributes = {
    type: str('statement.released'),
    organisation: str('Birmingham Safeguarding Children Partnership'),
    topics: arr(['safeguarding', 'children']),
    embargoed: str('false'),
    kind: str('partnership-statement'),
  };

  it('filters on embargoed and topics together', () => {
    const policy = { embargoed: ['false'], topics: ['safeguarding'] };
    expect(matches(policy, released)).toBe(true);
    expect(matches(policy, { ...released, embargoed: str('true') })).toBe(false);
    expect(matches(policy, { ...released, topics: arr(['housing']) })).toBe(false);
  });

  it('a type prefix matches every statement message', () => {
    expect(matches({ type: [{ prefix: 'statement.' }] }, released)).toBe(true);
  });
});

describe('validateFilterPolicy (subscription-filter-policy-constraints.html)', () => {
  it('allows at most 5 keys', () => {
    const six = Object.fromEntries(['a', 'b', 'c', 'd', 'e', 'f'].map((k) => [k, ['x']]));
    expect(validateFilterPolicy(six)).toEqual([
      { path: '', message: expect.stringContaining('at most 5') },
    ]);
    const five = Object.fromEntries(['a', 'b', 'c', 'd', 'e'].map((k) => [k, ['x']]));
    expect(validateFilterPolicy(five)).toEqual([]);
  });

  it('allows at most 150 combinations (product of each list length)', () => {
    const values = (n: number) => Array.from({ length: n }, (_, i) => `v${i}`);
    const ok = { a: values(10), b: values(15) };
    expect(filterPolicyCombinations(ok)).toBe(150);
    expect(validateFilterPolicy(ok)).toEqual([]);
    const tooMany = { a: values(10), b: values(16) };
    expect(validateFilterPolicy(tooMany)).toEqual([
      { path: '', message: expect.stringContaining('160 value combinations') },
    ]);
  });

  it('rejects nesting, bare values, empty lists and unknown operators with a path', () => {
    const issues = validateFilterPolicy({
      nested: { type: ['x'] },
      bare: 'statement.released',
      empty: [],
      odd: [{ wildcard: 'a*' }],
      numeric: [{ numeric: ['<', 5, '>', 1] }],
      big: [{ numeric: ['>', 2e9] }],
      exists: [{ exists: 'yes' }],
    });
    expect(issues.map((i) => i.path)).toEqual([
      'nested',
      'bare',
      'empty',
      'odd.0',
      'numeric.0.numeric',
      'big.0.numeric.1',
      'exists.0.exists',
    ]);
  });

  it('accepts every documented operator shape', () => {
    expect(
      validateFilterPolicy({
        a: ['x', 1, true, null, { prefix: 'p' }, { suffix: 's' }, { 'equals-ignore-case': 'E' }],
        b: [
          { 'anything-but': ['x', 'y'] },
          { 'anything-but': { prefix: 'p' } },
          { 'anything-but': 5 },
        ],
        c: [{ numeric: ['>=', 0, '<', 10] }, { numeric: ['=', 1] }],
        d: [{ exists: false }],
        e: [{ cidr: '192.168.0.0/16' }],
      }),
    ).toEqual([]);
  });

  it('rejects a non-object policy', () => {
    expect(validateFilterPolicy(['type'])).toHaveLength(1);
    expect(validateFilterPolicy(null)).toHaveLength(1);
  });
});

describe('properties', () => {
  const value = fc.string({ maxLength: 8 });
  it('anything-but [v] is the complement of [v] for a present String attribute', () => {
    fc.assert(
      fc.property(value, value, (policyValue, attributeValue) => {
        const attrs = { k: str(attributeValue) };
        expect(matchesFilterPolicy({ k: [{ 'anything-but': [policyValue] }] }, attrs)).toBe(
          !matchesFilterPolicy({ k: [policyValue] }, attrs),
        );
      }),
    );
  });

  it('a String.Array matches when some element alone would match', () => {
    fc.assert(
      fc.property(fc.array(value, { maxLength: 5 }), value, (elements, wanted) => {
        const policy = { k: [wanted] };
        const asArray = matchesFilterPolicy(policy, { k: arr(elements) });
        const anyElement = elements.some((e) => matchesFilterPolicy(policy, { k: str(e) }));
        expect(asArray).toBe(anyElement);
      }),
    );
  });
});
