/**
 * What is deployed is what was tested: every AWS call the handlers make, run
 * over the in-memory fakes with the call recorder on their clients, is
 * evaluated against the permissions the synthesized stack gives each function
 * (identity policies and the bucket, topic, queue and key policies).
 */
import { describe, expect, it } from 'vitest';
import type { StatementInput } from '../../core/statement/schema';
import { sampleInput } from '../fixtures/statements';
import { s3Event, s3Record, TestClock } from '../helpers/herald-fakes';
import { assertPermitted, deployedEnvironments, synthesizeHerald } from './evaluate';
import { heraldHandlers } from './herald-handlers';
import { RecordedWorld } from './recorded-world';

const SECRET = 'x'.repeat(64);
const BEFORE_LIFT = '2024-02-20T12:00:00.000Z';

const { template, functions } = synthesizeHerald();
const environments = deployedEnvironments(template, functions);

function setup(now: string) {
  const world = new RecordedWorld(SECRET);
  const clock = new TestClock(new Date(now));
  const handlers = heraldHandlers(world, environments, clock);
  let uploads = 0;
  /** Puts a statement in incoming/ (as the comms officer would) and hands it to ingest. */
  const ingest = async (input: StatementInput) => {
    const key = `incoming/statement-${++uploads}.json`;
    const versionId = world.bucket.write(key, JSON.stringify(input));
    return handlers.ingest(s3Event(s3Record(key, { versionId })));
  };
  return { world, clock, handlers, ingest };
}

function notEmbargoed(): StatementInput {
  const input = sampleInput();
  delete input.embargo;
  return input;
}

describe('permissions as deployed', () => {
  it('lets ingest release a statement with no embargo in force (it writes published/)', async () => {
    // Prepare
    const { world, ingest } = setup(BEFORE_LIFT);

    // Act
    const [outcome] = await ingest(notEmbargoed());

    // Assess
    expect(outcome).toMatchObject({ outcome: 'published', released: true });
    expect(world.calls).toContainEqual(
      expect.objectContaining({
        function: 'ingest',
        command: 'PutObject',
        input: expect.objectContaining({ Key: expect.stringMatching(/^published\//) }),
      }),
    );
    await assertPermitted(world.calls, { template, functions, environments });
  });
});
