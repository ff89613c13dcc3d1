/**
 * Ledger items written the way the handlers write them, for tests that start
 * from a statement already in some state (without running ingest first).
 */
import type { CurrentRevision, Reached } from '../../core/lifecycle';
import type { EmbargoInfo } from '../../core/types';
import { HEAD_SK, statementPk } from '../../functions/shared/ledger/client';
import type { FakeTable } from './fake-dynamo';

export interface HeadSeed {
  id: string;
  revision: number;
  status?: 'publish' | 'withdraw';
  embargo?: EmbargoInfo | null;
  releasedRevision?: number | null;
  reached?: Partial<Reached>;
  channels?: Partial<CurrentRevision['channels']>;
}

/** A statement head with `revision` in force. */
export function seedHead(table: FakeTable, seed: HeadSeed): void {
  const status = seed.status ?? 'publish';
  const current: CurrentRevision = {
    revision: seed.revision,
    status,
    kind: status === 'withdraw' ? 'withdrawn' : seed.revision > 1 ? 'corrected' : 'published',
    embargo: seed.embargo ?? null,
    channels: { press: true, partners: true, website: true, ...seed.channels },
  };
  table.put({
    pk: statementPk(seed.id),
    sk: HEAD_SK,
    id: seed.id,
    headline: 'A statement',
    latestRevision: seed.revision,
    latestSha256: 'sha',
    current,
    awaitingRevision: null,
    releasedRevision: seed.releasedRevision ?? null,
    releasedAt: null,
    releaseStarted: null,
    reached: { pressTopics: [], partners: true, website: false, ...seed.reached },
    createdAt: '2024-02-20T09:00:00.000Z',
    updatedAt: '2024-02-20T09:00:00.000Z',
  });
}
