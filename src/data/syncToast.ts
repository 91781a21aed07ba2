import type { SyncAccepted, SyncOutcome } from '../api/types';
import { formatCount, formatPlural } from '../utils/format';

export interface SyncToast {
  severity: 'success' | 'warning' | 'error';
  title: string;
  detail?: string;
}

/** How long "Sync now" waits for the outcome: well within Grafana's data proxy timeout (30 s by default). */
export const SYNC_WAIT_MS = 10_000;

/** What a sync did, in the words of its toast: only what happened (nothing removed is not said). */
function summary(o: SyncOutcome): string {
  const parts = [`${formatPlural(o.backends ?? 0, 'backend')}, ${formatPlural(o.servers ?? 0, 'server')}`];
  const counted: Array<[number | null | undefined, (n: number) => string]> = [
    [o.changed_servers, (n) => `${formatCount(n)} changed`],
    [o.removed_backends, (n) => `${formatPlural(n, 'backend')} removed`],
    [o.removed_servers, (n) => `${formatPlural(n, 'server')} removed`],
    [o.drifting, (n) => `${formatCount(n)} drifting`],
    [o.reapplied, (n) => `${formatCount(n)} re-applied`],
    [o.reapply_failed, (n) => `${formatCount(n)} failed to re-apply`],
  ];
  for (const [n, say] of counted) {
    if (n) {
      parts.push(say(n));
    }
  }
  if (o.restarted) {
    parts.push('HAProxy restarted since the last sync');
  }
  if (o.removals_held) {
    parts.push('removals held: confirm them on the instance');
  }
  return parts.join(' · ');
}

/** The toast of "Sync now": the outcome when the sync ended within the wait, else that it still runs. */
export function syncToast(instanceName: string, answer: SyncOutcome | SyncAccepted): SyncToast {
  if (!('status' in answer)) {
    return {
      severity: 'success',
      title: `Sync of ${instanceName} started`,
      detail: 'It is still running; the instance shows its result when it ends.',
    };
  }
  switch (answer.status) {
    case 'ok':
      return {
        severity: answer.removals_held ? 'warning' : 'success',
        title: `${instanceName} synced`,
        detail: summary(answer),
      };
    case 'partial':
      return {
        severity: 'warning',
        title: `${instanceName} synced in part`,
        detail: [summary(answer), answer.error].filter(Boolean).join(' · '),
      };
    case 'skipped':
      return { severity: 'warning', title: `Sync of ${instanceName} skipped`, detail: answer.error ?? undefined };
    case 'failed':
      return { severity: 'error', title: `Sync of ${instanceName} failed`, detail: answer.error ?? undefined };
  }
}
