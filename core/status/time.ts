/**
 * Instants as people read them: in a named time zone, with its abbreviation
 * (`09:00:05 GMT, Tuesday 20 February 2024`), for `herald status` and the
 * newsroom console. Pure.
 */

/** `09:00:05 GMT, Tuesday 20 February 2024` (seconds included: logs and side effects). */
export function formatInstant(instant: Date | string, timeZone: string): string {
  const date = typeof instant === 'string' ? new Date(instant) : instant;
  if (Number.isNaN(date.getTime())) return String(instant);
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZoneName: 'short',
  }).formatToParts(date);
  const part = (type: Intl.DateTimeFormatPartTypes) =>
    parts.find((p) => p.type === type)?.value ?? '';
  return `${part('hour')}:${part('minute')}:${part('second')} ${part('timeZoneName')}, ${part('weekday')} ${part('day')} ${part('month')} ${part('year')}`;
}
