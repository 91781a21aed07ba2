import { dateTimeFormat, dateTimeFormatTimeAgo } from '@grafana/data';
import { formatCount } from './count';

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

// Counts need no Grafana runtime: in their own module, which code also loaded outside a browser imports.
export { formatCount, formatNumber, formatPlural } from './count';

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
