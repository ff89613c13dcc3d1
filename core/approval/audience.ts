/**
 * Who a revision would reach if it were approved now, for the proof email:
 * journalists from the press list by topic, and which partner subscription
 * gets which message type, evaluated with the subscription's filter policy
 * against the attributes the partner envelope would carry. Pure.
 */
import { buildPartnerMessage } from '../envelope';
import { type FilterPolicy, matchesFilterPolicy } from '../filter-policy';
import type { Effect, RevisionPlan } from '../lifecycle/types';
import { matchesTopics, type PressListRow } from '../press-list';
import type { Statement } from '../statement/schema';
import type { PartnerMessageType, RenderedStatement } from '../types';

export interface PressAudience {
  /** Journalists selected from the press list. */
  total: number;
  /** Per statement topic, how many of them follow it (one journalist may follow several). */
  byTopic: Array<{ topic: string; count: number }>;
  /** Selected journalists with no topics on the list (they take every statement). */
  everyTopic: number;
  /** `[]`: every journalist on the list; null: nobody from the list (only earlier holders). */
  topics: string[] | null;
  /** Also everyone sent an earlier revision (a correction or withdrawal). */
  holders: boolean;
  /** How many addresses were sent an earlier revision (when `holders`). */
  holderCount: number;
}

export interface PartnerDelivery {
  type: PartnerMessageType;
  /** `now`: when the revision goes ahead; `lift`: when the embargo lifts. */
  when: 'now' | 'lift';
}

export interface PartnerAudience {
  name: string;
  deliveries: PartnerDelivery[];
}

export interface PartnerFilter {
  name: string;
  filterPolicy: FilterPolicy | null;
}

/** The press effect's audience over the press list rows (already parsed, bad rows left out). */
export function pressAudience(
  rows: readonly PressListRow[],
  effect: Extract<Effect, { kind: 'press' }>,
  holderCount: number,
): PressAudience {
  const topics = effect.topics;
  const selected =
    topics === null
      ? []
      : rows.filter((row) => topics.length === 0 || matchesTopics(row.topics, topics));
  const byTopic = (topics ?? []).map((topic) => ({
    topic,
    count: selected.filter((row) => row.topics.includes(topic.toLowerCase())).length,
  }));
  return {
    total: selected.length,
    byTopic,
    everyTopic: selected.filter((row) => row.topics.length === 0).length,
    topics,
    holders: effect.holders,
    holderCount: effect.holders ? holderCount : 0,
  };
}

/** The partner messages a plan sends, in order, and when. */
export function partnerDeliveries(plan: RevisionPlan): PartnerDelivery[] {
  const deliveries: PartnerDelivery[] = [];
  for (const effect of plan.effects) {
    if (effect.kind === 'partners') deliveries.push({ type: effect.type, when: 'now' });
    if (effect.kind === 'release' && effect.partners) {
      deliveries.push({ type: 'statement.released', when: 'now' });
    }
    if (effect.kind === 'schedule' && plan.channels.partners) {
      deliveries.push({ type: 'statement.released', when: 'lift' });
    }
  }
  return deliveries;
}

/** Which subscription's filter policy lets each of the plan's partner messages through. */
export function partnerAudience(
  statement: Statement,
  rendered: RenderedStatement,
  plan: RevisionPlan,
  subscriptions: readonly PartnerFilter[],
  now: Date,
): PartnerAudience[] {
  const deliveries = partnerDeliveries(plan);
  const lift = plan.embargo ? new Date(plan.embargo.until) : now;
  const attributes = deliveries.map(
    (d) =>
      buildPartnerMessage(statement, rendered, d.type, d.when === 'lift' ? lift : now).attributes,
  );
  return subscriptions.map((s) => ({
    name: s.name,
    deliveries: deliveries.filter((_, i) => {
      const attrs = attributes[i];
      return (
        attrs !== undefined &&
        (s.filterPolicy === null || matchesFilterPolicy(s.filterPolicy, attrs))
      );
    }),
  }));
}
