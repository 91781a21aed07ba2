import type { AdminState, OperationalState } from '../domain/server-state';
import type { StateChangeRow } from '../store/server-state';

export interface AdminSpan {
  from: Date;
  /** null: still in it. */
  to: Date | null;
  state: AdminState;
  cause: StateChangeRow['cause'];
  actor: string | null;
}

export interface OperationalSpan {
  from: Date;
  to: Date | null;
  state: OperationalState;
}

/**
 * A server's timeline over [since, until): its admin state and its operational state as spans, each from the
 * change that started it (the state before `since` starts at `since`). The last span of each is open (`to`
 * null) when `until` is not in the past: the server is still in that state.
 */
export function serverTimeline(
  changes: readonly StateChangeRow[],
  since: Date,
  until: Date,
  now: Date
): { admin: AdminSpan[]; operational: OperationalSpan[] } {
  const admin: AdminSpan[] = [];
  const operational: OperationalSpan[] = [];
  const start = (at: Date) => (at < since ? since : at);
  for (const c of changes) {
    if (c.admin_to !== null) {
      const last = admin[admin.length - 1];
      if (last) {
        last.to = start(c.changed_at);
      }
      admin.push({ from: start(c.changed_at), to: null, state: c.admin_to, cause: c.cause, actor: c.actor });
    }
    if (c.operational_to !== null) {
      const last = operational[operational.length - 1];
      if (last) {
        last.to = start(c.changed_at);
      }
      operational.push({ from: start(c.changed_at), to: null, state: c.operational_to });
    }
  }
  if (until < now) {
    for (const span of [...admin, ...operational]) {
      span.to ??= until;
    }
  }
  // A change before `since` superseded by another before `since` has a span of no length: not shown.
  return {
    admin: admin.filter((s) => s.to === null || s.to > s.from),
    operational: operational.filter((s) => s.to === null || s.to > s.from),
  };
}
