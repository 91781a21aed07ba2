import type { StatusChange } from '../../api/types';

/** One stretch of time a server spent in one state. */
export interface Segment {
  state: string;
  from: number;
  to: number;
  /** What changed it into this state (sync, command, window end, ...), when known. */
  cause?: string;
}

/**
 * A server's admin and operational states over [since, until] from its history (any order), each as its own row
 * of segments: a change of one leaves the other as it was. Before the first change in range a row shows the state
 * that change left; nothing where the history does not say (before a server was first seen).
 */
export function timelineOf(
  history: StatusChange[],
  since: number,
  until: number
): { admin: Segment[]; operational: Segment[] } {
  // Changes recorded in the same millisecond are in the order they were written (their ids).
  const changes = [...history].sort((a, b) => Date.parse(a.changed_at) - Date.parse(b.changed_at) || a.id - b.id);
  const row = (pick: (c: StatusChange) => { from: string | null; to: string | null }): Segment[] => {
    const segments: Segment[] = [];
    let current: Segment | undefined;
    for (const c of changes) {
      const { from, to } = pick(c);
      const at = Math.max(since, Math.min(until, Date.parse(c.changed_at)));
      if (to === null) {
        continue;
      }
      // Before the first change the state is what it changed from; unknown (a new server): nothing is drawn.
      if (!current && from !== null) {
        current = { state: from, from: since, to: at };
      }
      if (current) {
        current.to = at;
        if (current.to > current.from) {
          segments.push(current);
        }
      }
      current = { state: to, from: at, to: until, cause: c.cause };
    }
    if (current && current.to > current.from) {
      segments.push(current);
    }
    return segments;
  };
  return {
    admin: row((c) => ({ from: c.admin_from, to: c.admin_to })),
    operational: row((c) => ({ from: c.operational_from, to: c.operational_to })),
  };
}
