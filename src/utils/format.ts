import { dateTimeFormat, dateTimeFormatTimeAgo } from '@grafana/data';

export function formatTime(iso: string | null | undefined): string {
  return iso ? dateTimeFormat(iso) : '—';
}

export function formatAgo(iso: string | null | undefined): string {
  return iso ? dateTimeFormatTimeAgo(iso) : 'never';
}

/** A wall-clock time (e.g. when data was last answered), in Grafana's time zone. */
export function formatClock(ms: number): string {
  return dateTimeFormat(ms, { format: 'HH:mm:ss' });
}

// The plugin's UI is English: counts read 200,000 whatever the browser's locale.
const COUNT = new Intl.NumberFormat('en-US');

/** A count with thousands separators (200,000). */
export function formatCount(value: number): string {
  return COUNT.format(value);
}

/** A number that may be missing (weight, sessions), with thousands separators. */
export function formatNumber(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : formatCount(value);
}

/** "1 backend", "2,000 backends". */
export function formatPlural(count: number, noun: string): string {
  return `${formatCount(count)} ${noun}${count === 1 ? '' : 's'}`;
}

/** How many servers a confirmation or a preview names before "and N more". */
export const SERVER_NAMES_SHOWN = 10;

/** The first servers' names, then how many more: "web-1, web-2 and 1,234 more". */
export function formatServerNames(servers: ReadonlyArray<{ server_name: string }>): string {
  const shown = servers
    .slice(0, SERVER_NAMES_SHOWN)
    .map((s) => s.server_name)
    .join(', ');
  const more = servers.length - SERVER_NAMES_SHOWN;
  return more > 0 ? `${shown} and ${formatCount(more)} more` : shown;
}
