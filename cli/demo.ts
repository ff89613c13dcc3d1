/**
 * `npm start` with the examples tells a story: an embargoed statement waiting, its
 * correction, the lift moved, a withdrawal with kill notices, then the lift. The
 * examples were written for February 2024, so the demo's clock starts before the seed's
 * lift (and runs from there); moving it to the next lift is one key (or the console's
 * button). These helpers say plainly what time the demo believes it is.
 */
import { formatEmbargoTime } from '../core/statement/embargo';
import { formatInstant } from '../core/status/time';
import type { LocalStack } from '../local/stack';

/** Before the seed example's lift (00:01 GMT, Wednesday 21 February 2024). */
export const DEMO_START = new Date('2024-02-20T09:00:00Z');

export function clockLine(stack: LocalStack, demo: boolean): string {
  const now = formatInstant(stack.clock.now(), stack.config.timezone);
  if (demo) {
    return `The demo believes it is ${now}: the examples were written for February 2024, so its clock starts there and runs on (--now picks another time).`;
  }
  return stack.clock.mode === 'frozen'
    ? `This run's clock stands at ${now} (only --fast-forward moves it).`
    : `The local stack's clock says ${now}.`;
}

/** The next embargo lift, or null when none is waiting. */
export function nextLift(stack: LocalStack): { at: Date; label: string } | null {
  const next = stack.scheduler.pending()[0];
  if (!next) return null;
  let name = next.name;
  try {
    const request = JSON.parse(next.payload) as { id?: unknown; revision?: unknown };
    if (typeof request.id === 'string') name = `${request.id} revision ${String(request.revision)}`;
  } catch {
    // Not a release request: named by its schedule.
  }
  const at = new Date(next.at);
  return { at, label: `${formatEmbargoTime(at, stack.config.timezone)} (${name})` };
}

/** Moves the clock to the next lift (the release runs); resolves with the new time, or null. */
export async function moveToNextLift(stack: LocalStack): Promise<Date | null> {
  const next = nextLift(stack);
  if (!next) return null;
  await stack.advanceClock(next.at);
  return stack.clock.now();
}
