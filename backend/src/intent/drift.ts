import {
  AdminState,
  AdminView,
  drainedByAgentCheck,
  DriftCause,
  intentOf,
  ReconcilePolicy,
} from '../domain/server-state';

/**
 * Desired state against HAProxy's admin state, decided without I/O (README "Server state model"). The actual
 * and previous states here are intentOf(): null when unknown, or when the maint is another server's (track)
 * or DNS's doing, which no operator intent is compared with.
 */
export interface IntentInput {
  /** What we were asked to keep; null: nothing asked. */
  desired: AdminState | null;
  /** What we knew before this answer; null: unknown, or a server seen for the first time. */
  previous: AdminState | null;
  /** What HAProxy shows now. */
  actual: AdminState | null;
  /** The answer comes from a new HAProxy process; undefined: the agent does not say (no /info). */
  restarted: boolean | undefined;
  /** The cause of a drift already recorded, or null. */
  drifting: DriftCause | null;
}

export type IntentDecision =
  /** Nothing can be told (the admin state is unknown): leave desired state and drift as they are. */
  | { kind: 'keep' }
  /** HAProxy holds what we were asked, or nothing was asked and nothing changed under us. */
  | { kind: 'agree' }
  /** HAProxy lost what we were asked to keep. */
  | { kind: 'drift'; cause: DriftCause }
  /** Someone changed the admin state outside while the process kept running: adopted, never fought. */
  | { kind: 'external'; adopt: AdminState };

/**
 * - a new process (reload, restart) that does not hold the desired state: drift (`reload`);
 * - the admin state changed while the process kept running: an external change, adopted;
 * - when the agent cannot say whether the process restarted (or what the state was before): a lost intent
 *   (HAProxy ready, we were asked drain or maint) is drift (`unknown`), any other difference external. A
 *   drift already recorded stays one while HAProxy shows what it showed.
 * Nothing asked: only a change seen while the same process ran is adopted (what a server shows when first
 * seen, or after a restart, is HAProxy's configuration, not someone's intent).
 */
export function decideIntent(i: IntentInput): IntentDecision {
  const { desired, previous, actual, restarted } = i;
  if (actual === null) {
    return { kind: 'keep' };
  }
  if (desired === null) {
    const changedOutside = previous !== null && actual !== previous && restarted !== true;
    return changedOutside ? { kind: 'external', adopt: actual } : { kind: 'agree' };
  }
  if (actual === desired) {
    return { kind: 'agree' };
  }
  if (restarted === true) {
    return { kind: 'drift', cause: 'reload' };
  }
  if (restarted === false && previous !== null && actual !== previous) {
    return { kind: 'external', adopt: actual };
  }
  if (i.drifting && (previous === null || actual === previous)) {
    return { kind: 'drift', cause: i.drifting };
  }
  return actual === 'ready' ? { kind: 'drift', cause: 'unknown' } : { kind: 'external', adopt: actual };
}

/** A drift's re-applies so far, for the backoff between them. */
export interface DriftAttempts {
  attempts: number;
  lastAttemptAt: Date | null;
}

export const REAPPLY_BACKOFF = { firstMs: 60_000, maxMs: 3_600_000 } as const;

/**
 * Whether a sync re-applies a drift now: never under the `alert` policy; at once the first time, then after
 * 1, 2, 4 ... minutes (at most an hour) since the last try, so an agent that keeps refusing is not hammered.
 */
export function shouldReapply(policy: ReconcilePolicy, d: DriftAttempts, now: Date): boolean {
  if (policy !== 'reapply') {
    return false;
  }
  if (d.attempts === 0 || !d.lastAttemptAt) {
    return true;
  }
  const wait = Math.min(REAPPLY_BACKOFF.firstMs * 2 ** (d.attempts - 1), REAPPLY_BACKOFF.maxMs);
  return now.getTime() - d.lastAttemptAt.getTime() >= wait;
}

/** A stored server's desired state and drift, as the sync reads them. */
export interface StoredIntent extends DriftAttempts {
  desired: AdminState;
  driftCause: DriftCause | null;
  /** A drain or maint whose window's end has come (by the database's clock), not yet ended by the worker. */
  windowEnded?: boolean;
}

/** What one sync writes of desired states and drifts, and which servers it re-applies afterwards. */
export interface IntentPlan {
  /** External changes: the new desired state (actor `external`, with why when HAProxy says), drift cleared. */
  adopt: Array<{ serverId: number; adminState: AdminState; reason: string | null }>;
  /** Drifts found or still there (their start kept). */
  drift: Array<{ serverId: number; cause: DriftCause }>;
  /** Drifts that ended (HAProxy holds the desired state again, or it changed outside). */
  clear: number[];
  /** Drifting servers to re-apply now (policy and backoff allowing). */
  reapply: number[];
}

/** A server of a sync's answer (sync/diff.ts ServerRow). */
export interface AnsweredServer extends AdminView {
  /** HAProxy's status string, e.g. `DRAIN (agent)`. */
  rawStatus: string;
  /** The stored server it updates; undefined: a new one. */
  storedId?: number;
  /** false: fenced (a command is newer than the answer), so the answer says nothing of it. */
  observed: boolean;
}

/** A server as stored before the sync. */
export interface KnownServer extends AdminView {
  id: number;
  removed: boolean;
}

/**
 * Why an admin state changed outside, as far as HAProxy's status says: `DRAIN (agent)` is a drain of a server
 * with HAProxy's own agent-check (`agent-check`), its agent's answer or one set at the stats socket.
 */
function externalReason(row: AnsweredServer): string | null {
  return row.adminState === 'drain' && drainedByAgentCheck(row.rawStatus)
    ? `drained while HAProxy's agent-check runs on it: its agent answered drain, or someone drained it at the ` +
        `stats socket (HAProxy shows "${row.rawStatus}" for both)`
    : null;
}

/**
 * The intent decisions of one sync: each server read from the answer (not fenced) that was stored before,
 * with what we knew of it, its desired state and drift.
 */
export function planIntents(
  rows: Iterable<AnsweredServer>,
  stored: ReadonlyMap<number, KnownServer>,
  intents: ReadonlyMap<number, StoredIntent>,
  o: { restarted: boolean | undefined; policy: ReconcilePolicy; now: Date }
): IntentPlan {
  const plan: IntentPlan = { adopt: [], drift: [], clear: [], reapply: [] };
  for (const row of rows) {
    const prev = row.storedId === undefined ? undefined : stored.get(row.storedId);
    if (!prev || !row.observed) {
      continue;
    }
    const intent = intents.get(prev.id);
    const actual = intentOf(row);
    const decision = decideIntent({
      // HAProxy showing ready once a window has ended is what its end wants (the worker records it): not drift.
      desired: intent?.windowEnded && actual === 'ready' ? 'ready' : (intent?.desired ?? null),
      previous: prev.removed ? null : intentOf(prev),
      actual,
      restarted: o.restarted,
      drifting: intent?.driftCause ?? null,
    });
    switch (decision.kind) {
      case 'keep':
        break;
      case 'agree':
        if (intent?.driftCause) {
          plan.clear.push(prev.id);
        }
        break;
      case 'external':
        plan.adopt.push({ serverId: prev.id, adminState: decision.adopt, reason: externalReason(row) });
        break;
      case 'drift':
        plan.drift.push({ serverId: prev.id, cause: decision.cause });
        if (shouldReapply(o.policy, intent ?? { attempts: 0, lastAttemptAt: null }, o.now)) {
          plan.reapply.push(prev.id);
        }
        break;
    }
  }
  return plan;
}
