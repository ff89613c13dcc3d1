/**
 * Instants as people read them: in a named time zone, with its abbreviation
 * (`09:00:05 GMT, Tuesday 20 February 2024`), for `herald status` and the
 * newsroom console. Pure.
 */
import { formatZoned } from '../statement/embargo';

/** `09:00:05 GMT, Tuesday 20 February 2024` (seconds included: logs and side effects). */
export function formatInstant(instant: Date | string, timeZone: string): string {
  const date = typeof instant === 'string' ? new Date(instant) : instant;
  if (Number.isNaN(date.getTime())) return String(instant);
  return formatZoned(date, timeZone, { seconds: true });
}
