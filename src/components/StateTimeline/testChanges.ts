import type { StatusChange } from '../../api/types';

/** The timeline tests' range start, and a minute. */
export const T = Date.parse('2025-01-01T10:00:00Z');
export const MIN = 60e3;

let nextId = 1;

/** A history row `atMin` minutes after T (ids in the order made, as the backend numbers writes). */
export function change(atMin: number, partial: Partial<StatusChange>): StatusChange {
  return {
    id: nextId++,
    server_id: 1,
    from_status: null,
    to_status: 'UP',
    raw_status: 'UP',
    admin_from: null,
    admin_to: null,
    operational_from: null,
    operational_to: null,
    cause: 'sync',
    note: null,
    changed_at: new Date(T + atMin * MIN).toISOString(),
    ...partial,
  };
}
