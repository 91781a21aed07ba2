import { dateTimeFormat } from '@grafana/data';
import type { BadgeColor } from '@grafana/ui';
import type { Drift, MaintSource, Server } from '../../api/types';
import { formatAgo, formatTime } from '../../utils/format';
import { intentOf, overdueWindowEnd, trackedServerOf } from '../../utils/serverState';

/** The intent badge shown beside the status: what was decided (drained, maint and its source). */
export interface IntentBadge {
  text: string;
  color: BadgeColor;
  label: string;
}

export interface IntentView {
  /** Absent when the status badge already says it (DRAIN, MAINT of unknown source): the details go on that one. */
  badge?: IntentBadge;
  /** Who, why, since, until: shown on hover. */
  details: string[];
}

const MAINT_SOURCES: Record<MaintSource, { text: string; headline: string }> = {
  config: { text: 'config', headline: 'In maintenance: disabled in the HAProxy configuration' },
  forced: { text: 'forced', headline: 'In maintenance: forced at runtime' },
  inherited: { text: 'via track', headline: 'In maintenance: inherited from the server it tracks' },
  resolution: { text: 'resolution', headline: 'In maintenance: its address does not resolve' },
};

// Sources whose maintenance comes from HAProxy itself, never from a person: nobody to name.
const SELF_EXPLAINED: ReadonlySet<MaintSource> = new Set(['config', 'inherited', 'resolution']);

/**
 * How the server's intent reads (README's state model): drained and maint shown apart from health, so a drained
 * server whose checks fail shows DOWN and `drained`; undefined when the server is ready or its intent unknown.
 */
export function intentView(server: Server): IntentView | undefined {
  const intent = intentOf(server);
  if (intent !== 'drain' && intent !== 'maint') {
    return undefined;
  }
  const details: string[] = [];
  let badge: IntentBadge | undefined;
  // A state that comes down a `track` is the tracked server's: the badge names it, as HAProxy's "(via b/s)" does.
  const tracked = trackedServerOf(server);
  const viaTrack = tracked ? `via track: ${tracked}` : 'via track';
  const trackedWords = tracked ? `${tracked}, the server it tracks` : 'the server it tracks';
  if (intent === 'drain') {
    if (server.maint_source === 'inherited') {
      details.push(`Drained: inherited from ${trackedWords}; HAProxy keeps it drained while that server is`);
      const text = server.status === 'DRAIN' ? viaTrack : `drained ${viaTrack}`;
      badge = { text, color: 'orange', label: `intent: drain (${viaTrack})` };
    } else {
      details.push('Drained: HAProxy sends it no new connections');
      if (server.status !== 'DRAIN') {
        badge = { text: 'drained', color: 'orange', label: 'intent: drained' };
      }
    }
  } else {
    const source = server.maint_source ? MAINT_SOURCES[server.maint_source] : undefined;
    details.push(
      server.maint_source === 'inherited' && tracked
        ? `In maintenance: inherited from ${trackedWords}`
        : (source?.headline ?? 'In maintenance')
    );
    if (source) {
      const text = server.maint_source === 'inherited' ? viaTrack : source.text;
      badge = { text, color: 'blue', label: `intent: maint (${text})` };
    } else if (server.status !== 'MAINT') {
      badge = { text: 'maint', color: 'blue', label: 'intent: maint' };
    }
  }
  const desired = server.desired?.admin_state === intent ? server.desired : null;
  if (desired) {
    details.push(
      `By ${desired.actor} (${desired.source})`,
      desired.reason ? `Why: ${desired.reason}` : 'No reason given',
      `Since ${formatTime(desired.set_at)} (${formatAgo(desired.set_at)})`,
      !desired.until
        ? 'No end set'
        : overdueWindowEnd(server)
          ? `Window ended ${formatTime(desired.until)} (${formatAgo(desired.until)}); not returned to ready yet`
          : `Until ${formatTime(desired.until)} (${formatAgo(desired.until)})`
    );
  } else if (!(server.maint_source && SELF_EXPLAINED.has(server.maint_source))) {
    details.push('Who and why are not recorded (set outside HAProxy Control)');
  }
  return { badge, details };
}

const STATE_WORDS = { ready: 'ready', drain: 'drained', maint: 'in maintenance' } as const;

/** Drift in a few words, for the badge's accessible name: "desired maint, HAProxy ready", the cause when known. */
export function driftSummary(drift: Drift): string {
  const cause = drift.cause === 'reload' ? ', after a reload' : '';
  return `desired ${drift.desired}, HAProxy ${drift.actual ?? 'unknown'}${cause}`;
}

/** What the drift badge says on hover: wanted vs actual, since when, what the instance's policy does. */
export function driftDetails(drift: Drift): string[] {
  const actual = drift.actual ? STATE_WORDS[drift.actual] : 'unknown';
  return [
    `Should be ${STATE_WORDS[drift.desired]}, HAProxy has it ${actual}`,
    `Since ${formatTime(drift.since)} (${formatAgo(drift.since)})${drift.cause === 'reload' ? ', after a reload' : ''}`,
    drift.policy === 'reapply'
      ? `Policy: re-apply (${drift.attempts} attempt${drift.attempts === 1 ? '' : 's'} so far)`
      : 'Policy: alert only (not re-applied)',
    ...(drift.last_error ? [`Last error: ${drift.last_error}`] : []),
  ];
}

/** "until 14:30" today, "until Jan 2, 14:30" on another day (Grafana's time zone); `words` instead of "until". */
export function windowEndLabel(until: string, now = Date.now(), words = 'until'): string {
  const sameDay = dateTimeFormat(until, { format: 'YYYY-MM-DD' }) === dateTimeFormat(now, { format: 'YYYY-MM-DD' });
  return `${words} ${dateTimeFormat(until, { format: sameDay ? 'HH:mm' : 'MMM D, HH:mm' })}`;
}

/** What the weight-0 badge says on hover. */
export const WEIGHT_ZERO_DETAILS = [
  'Weight 0: HAProxy sends it no new traffic, whatever its health',
  'Counted as out on purpose, not available (Set weight brings it back)',
];

/** What an overdue window's mark says on hover: the window is over, its return to ready has not happened yet. */
export function overdueWindowDetails(until: string): string[] {
  return [
    `Its maintenance window ended ${formatAgo(until)} (${formatTime(until)})`,
    'It has not been returned to ready yet (its agent may be unreachable): the backend keeps trying',
  ];
}
