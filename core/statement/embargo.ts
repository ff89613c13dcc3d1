/**
 * Embargo maths. The lift time is stored as a UTC instant and only ever shown
 * with an explicit zone, so "00:01" can never be read in the wrong zone.
 */
import type { EmbargoInfo, Issue } from '../types';
import type { Statement } from './schema';

export const DEFAULT_TIMEZONE = 'Europe/London';

/**
 * `00:01 GMT, Wednesday 21 February 2024` in the given zone (BST/GMT chosen by
 * the date, not by the machine's clock). Always English: the subject line and
 * the embargo banner are a convention of the UK press, whatever the body's language.
 */
export function formatEmbargoTime(instant: Date, timeZone: string): string {
  return formatZoned(instant, timeZone, { seconds: false });
}

/** `hh:mm[:ss] <zone>, <weekday> <day> <month> <year>` in `timeZone`, as every Herald time is shown. */
export function formatZoned(
  instant: Date,
  timeZone: string,
  options: { seconds: boolean },
): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    ...(options.seconds ? { second: '2-digit' } : {}),
    hourCycle: 'h23',
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZoneName: 'short',
  }).formatToParts(instant);
  const part = (type: Intl.DateTimeFormatPartTypes) =>
    parts.find((p) => p.type === type)?.value ?? '';
  const clock = `${part('hour')}:${part('minute')}${options.seconds ? `:${part('second')}` : ''}`;
  return `${clock} ${part('timeZoneName')}, ${part('weekday')} ${part('day')} ${part('month')} ${part('year')}`;
}

export interface EmbargoResolution {
  embargo: EmbargoInfo | null;
  warnings: Issue[];
}

/**
 * The embargo in force at `now`: null when there is none or its lift time has
 * passed (a past embargo is a warning and the statement is treated
 * as not embargoed). A lift exactly at `now` has lifted.
 */
export function resolveEmbargo(
  statement: Pick<Statement, 'embargo'>,
  now: Date,
  defaultTimezone: string = DEFAULT_TIMEZONE,
): EmbargoResolution {
  if (!statement.embargo) return { embargo: null, warnings: [] };
  const lift = new Date(statement.embargo.until);
  const timezone = statement.embargo.timezone ?? defaultTimezone;
  const display = formatEmbargoTime(lift, timezone);
  if (lift.getTime() <= now.getTime()) {
    return {
      embargo: null,
      warnings: [
        {
          path: 'embargo.until',
          message: `The embargo lifted at ${display}, which has already passed, so the statement is treated as not embargoed and goes out at once. Remove the embargo or set a future time.`,
        },
      ],
    };
  }
  return { embargo: { until: lift.toISOString(), timezone, display }, warnings: [] };
}
