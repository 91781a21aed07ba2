import { SERVER_STATUSES, ServerStatus } from '../domain/status';

/**
 * The state model's counting (README "Server state model"), as SQL over a server `s` and its desired state
 * `d`: the API, /metrics and the alert rules count with the same words.
 */
export const SERVER_CLASSES = {
  /** admin ready, operationally up and weighted: taking traffic */
  available: `s.admin_state = 'ready' AND s.operational_state = 'up' AND s.weight > 0`,
  /** drain or maint (any maint source), or weight 0 (HAProxy sends it no traffic), whatever the health */
  out_on_purpose: `(s.admin_state IN ('drain', 'maint') OR s.weight = 0)`,
  /** admin ready or unknown, weighted, and down (or DOWN, when the operational state is unknown) */
  failing: `coalesce(s.admin_state, 'ready') = 'ready' AND s.weight > 0
    AND (s.operational_state = 'down' OR (s.operational_state IS NULL AND s.status = 'DOWN'))`,
  drifting: `d.drift_since IS NOT NULL`,
  in_window: `d.until > now()`,
} as const;
export type ServerClass = keyof typeof SERVER_CLASSES;

/**
 * Over a server `s`: an active one, which HAProxy sends traffic before any backup one (its agent says it is not a
 * `backup`, or does not say).
 */
export const ACTIVE_SERVER = 's.backup IS NOT TRUE';

/**
 * Over the current servers `s` of one backend, an aggregate: the backend runs on its backup servers (HAProxy
 * sends them its traffic only when no active one can take it). It has active servers, none available, and a
 * backup server available. The alert rules ask the same.
 */
export const ON_BACKUP = `(count(*) FILTER (WHERE ${ACTIVE_SERVER}) > 0
  AND count(*) FILTER (WHERE ${ACTIVE_SERVER} AND ${SERVER_CLASSES.available}) = 0
  AND count(*) FILTER (WHERE s.backup AND ${SERVER_CLASSES.available}) > 0)`;
const CLASS_NAMES = Object.keys(SERVER_CLASSES) as ServerClass[];

/** A set of servers counted: in all, per status, per class. */
export type ServerCounts = Record<ServerClass, number> & {
  servers_total: number;
  by_status: Record<ServerStatus, number>;
};

/** One jsonb ServerCounts over the rows of s (with d), for an aggregate: zeros included. */
export const SERVER_COUNTS_JSON = `jsonb_build_object(
  'servers_total', count(s.id),
  'by_status', jsonb_build_object(${SERVER_STATUSES.map((st) => `'${st}', count(s.id) FILTER (WHERE s.status = '${st}')`).join(', ')}),
  ${CLASS_NAMES.map((c) => `'${c}', count(s.id) FILTER (WHERE ${SERVER_CLASSES[c]})`).join(',\n  ')})`;

/**
 * The current servers of backend `b` counted, as a LATERAL join yielding `c.counts` (a backend without servers:
 * zeros) and `c.on_backup`.
 */
export const BACKEND_COUNTS_LATERAL = `LEFT JOIN LATERAL (
    SELECT ${SERVER_COUNTS_JSON} AS counts, ${ON_BACKUP} AS on_backup
      FROM haproxy_servers s LEFT JOIN haproxy_server_desired d ON d.server_id = s.id
     WHERE s.backend_id = b.id AND s.removed_at IS NULL
  ) c ON true`;
