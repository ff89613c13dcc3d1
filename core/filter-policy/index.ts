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
export { matchesFilterPolicy } from './match';
export { FILTER_POLICY_LIMITS, type FilterPolicy } from './shape';
export { filterPolicyCombinations, validateFilterPolicy } from './validate';
