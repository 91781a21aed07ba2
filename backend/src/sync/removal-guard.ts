import { createHash } from 'node:crypto';
import type { RemovalCounts, RemovalHold } from '../domain/held-removal';
import type { StoredBackend, StoredServer, SyncPlan } from './diff';

/**
 * No wipe from one answer: a plan that would soft-delete every backend of an instance, every server of a
 * backend, or more than a share of them at once is held (nothing removed) until the same removals come on
 * enough syncs in a row or an admin confirms them. Pure: the sync and the tests give it what it decides on.
 */

export interface RemovalAssessment extends RemovalCounts {
  /** Why the removal is suspicious; empty when it is not. */
  reasons: string[];
}

export interface RemovalDecision {
  /** Remove what the plan says; false: remove nothing and keep `hold`. */
  apply: boolean;
  hold: RemovalHold | null;
  /** A held removal applied because the same one came again: how many times in a row, held since when. */
  confirmed?: { syncs: number; since: string };
}

export interface RemovalPolicy {
  /** HAPROXY_REMOVAL_MAX_SHARE: more than this share at once is suspicious. */
  maxShare: number;
  /** HAPROXY_REMOVAL_CONFIRM_SYNCS: 1 turns holding off. */
  confirmSyncs: number;
}

const percent = (x: number) => `${Math.round(x * 100)}%`;
const names = (xs: string[]) =>
  xs
    .slice(0, 3)
    .map((x) => JSON.stringify(x))
    .join(', ') + (xs.length > 3 ? ` and ${xs.length - 3} more` : '');

/** What `plan` would remove of what is stored, and whether that is suspicious under `maxShare`. */
export function assessRemovals(
  backends: readonly StoredBackend[],
  servers: readonly StoredServer[],
  plan: Pick<SyncPlan, 'removeBackendIds' | 'removeServerIds'>,
  inScope: (backend: string) => boolean,
  maxShare: number
): RemovalAssessment {
  const current = backends.filter((b) => !b.removed && inScope(b.name));
  const removedBackends = new Set(plan.removeBackendIds);
  const removedServers = new Set(plan.removeServerIds);
  const perBackend = new Map(current.map((b) => [b.id, { name: b.name, total: 0, removed: 0 }]));
  let serversTotal = 0;
  let serversRemoved = 0;
  for (const s of servers) {
    const b = perBackend.get(s.backendId);
    if (!b || s.removed) {
      continue;
    }
    serversTotal++;
    b.total++;
    if (removedBackends.has(s.backendId) || removedServers.has(s.id)) {
      serversRemoved++;
      b.removed += removedServers.has(s.id) ? 1 : 0;
    }
  }

  const reasons: string[] = [];
  const backendShare = current.length ? removedBackends.size / current.length : 0;
  const serverShare = serversTotal ? serversRemoved / serversTotal : 0;
  let share = Math.max(backendShare, serverShare);
  if (removedBackends.size > 0 && removedBackends.size === current.length) {
    reasons.push(`every backend (${current.length}) would be removed`);
  } else if (backendShare > maxShare) {
    reasons.push(`${removedBackends.size} of ${current.length} backends (${percent(backendShare)}) would be removed`);
  }
  const emptied: string[] = [];
  const thinned: string[] = [];
  for (const b of perBackend.values()) {
    if (b.removed === 0) {
      continue;
    }
    share = Math.max(share, b.removed / b.total);
    if (b.removed === b.total) {
      emptied.push(b.name);
    } else if (b.removed / b.total > maxShare) {
      thinned.push(`${b.name} (${b.removed} of ${b.total})`);
    }
  }
  if (emptied.length) {
    reasons.push(`every server of backend ${names(emptied)} would be removed`);
  }
  if (thinned.length) {
    reasons.push(`more than ${percent(maxShare)} of the servers of ${names(thinned)} would be removed`);
  }
  if (reasons.length === 0 && serverShare > maxShare) {
    reasons.push(`${serversRemoved} of ${serversTotal} servers (${percent(serverShare)}) would be removed`);
  }
  return {
    backendIds: [...removedBackends].sort((a, b) => a - b),
    serverIds: [...removedServers].sort((a, b) => a - b),
    backendsRemoved: removedBackends.size,
    backendsTotal: current.length,
    serversRemoved,
    serversTotal,
    share,
    reasons,
  };
}

/** The same set of removals gives the same fingerprint, whatever else the answers said. */
export function removalFingerprint(a: Pick<RemovalAssessment, 'backendIds' | 'serverIds'>): string {
  return createHash('sha256')
    .update(JSON.stringify([a.backendIds, a.serverIds]))
    .digest('hex')
    .slice(0, 32);
}

/**
 * Holds a suspicious removal until the same one came `confirmSyncs` times in a row (then it is applied and
 * says so); an answer with neither the held removal nor another suspicious one drops the hold.
 */
export function decideRemovals(
  a: RemovalAssessment,
  previous: RemovalHold | null,
  policy: RemovalPolicy,
  now: Date
): RemovalDecision {
  if (policy.confirmSyncs <= 1) {
    return { apply: true, hold: null };
  }
  const fingerprint = removalFingerprint(a);
  const again = previous?.fingerprint === fingerprint;
  // The held answer's new rows (servers renamed, another HAProxy's backends) are stored at once and make the
  // same removal a smaller share the next time: it is still the held one, and keeps counting as it was held.
  if (a.reasons.length === 0 && !again) {
    return { apply: true, hold: null };
  }
  const consecutive = again ? previous.consecutive + 1 : 1;
  const since = again ? previous.since : now.toISOString();
  if (consecutive >= policy.confirmSyncs) {
    return { apply: true, hold: null, confirmed: { syncs: consecutive, since } };
  }
  const { reasons, ...assessed } = a;
  // The counts and reason of the hold as first assessed, when this answer alone no longer looks suspicious.
  // (A hold stored before holds kept their reason has it only at the head of its message.)
  const { reason, ...counts } = reasons.length
    ? { ...assessed, reason: reasons.join('; ') }
    : { ...previous!, reason: previous!.reason ?? previous!.message.split(': nothing was removed')[0] };
  return {
    apply: false,
    hold: {
      ...counts,
      reason,
      fingerprint,
      since,
      consecutive,
      required: policy.confirmSyncs,
      message:
        `${reason}: nothing was removed. The removal is applied when the same answer comes on ` +
        `${policy.confirmSyncs} syncs in a row (${consecutive} so far) or when an admin confirms it.`,
    },
  };
}

/** What a confirmed removal removed and why, for its audit row and its servers' history rows. */
export function confirmationNote(
  h: Pick<RemovalHold, 'backendsRemoved' | 'serversRemoved' | 'since'>,
  by: { syncs: number } | { actor: string }
): string {
  const how =
    'syncs' in by ? `confirmed by ${by.syncs} identical answers in a row` : `confirmed by an admin (${by.actor})`;
  return (
    `held removal of ${h.backendsRemoved} backend(s) and ${h.serversRemoved} server(s), ` +
    `held since ${h.since}, ${how}`
  );
}
