import { advisoryXactLockIn, BUDGET_APPLICATION_LOCKS, BUDGET_BACKEND_LOCKS } from '../db/advisory-lock';
import type { Db } from '../db/db';
import { BackendPart, BudgetScope, MinAvailable, ScopeCount, scopeCount, Tally } from '../domain/budget';
import type { AdminState, MaintSource } from '../domain/server-state';
import { ACTIVE_SERVER, SERVER_CLASSES } from './server-classes';

/**
 * haproxy_budgets (disruption budgets per backend and per application, and the default's mirror) and
 * haproxy_taking_out (servers a command is taking out right now): what the guarded path counts.
 */

/** Syncs failed in a row after which an instance's statuses are stale (the "sync failing" alert's line). */
export const STALE_AFTER_FAILURES = 3;

/**
 * Over instance `i` and its host `h`: what is stored of their servers is current, because both are synced
 * (active) and the instance's sync has not failed STALE_AFTER_FAILURES times in a row. A budget must not count a
 * server as available on the word of an agent that stopped answering: that HAProxy may be down with all its
 * servers. (Joined once per row, not a subquery per server: /metrics counts every backend.)
 */
const STATUSES_CURRENT = `(i.is_active AND h.is_active AND i.consecutive_failures < ${STALE_AFTER_FAILURES})`;

/** Over a server `s`: it said it is available (the state model's), and no command is taking it out right now (its
 * outcome not written yet, or unknown). */
const SAID_AVAILABLE = `${SERVER_CLASSES.available}
  AND NOT EXISTS (SELECT 1 FROM haproxy_taking_out o WHERE o.server_id = s.id AND o.until > now())`;

/** A server the guard counts as available, over a server `s` of instance `i` on host `h`: it said so, and that is current. */
const BUDGET_AVAILABLE = `${SAID_AVAILABLE} AND ${STATUSES_CURRENT}`;

/** Over servers `s` (of instance `i` on host `h`) where `cond`: a Tally in all, available to the guard, said available. */
const tally = (prefix: string, cond: string) => `count(s.id) FILTER (WHERE ${cond})::int AS ${prefix}_n,
  count(s.id) FILTER (WHERE ${cond} AND ${BUDGET_AVAILABLE})::int AS ${prefix}_available,
  count(s.id) FILTER (WHERE ${cond} AND ${SAID_AVAILABLE})::int AS ${prefix}_said`;

/** A scope's servers of one backend: its active and backup ones (BackendPart). */
const PART_TALLIES = `${tally('active', ACTIVE_SERVER)}, ${tally('backup', 's.backup')}`;

const minOf = (r: { min_count: number | null; min_percent: number | null }): MinAvailable =>
  r.min_count !== null ? { count: r.min_count } : { percent: r.min_percent! };

const minColumns = (m: MinAvailable) => ['count' in m ? m.count : null, 'percent' in m ? m.percent : null];

/** A minimum set on a backend or an application (replacing the one it had). */
export async function setBudget(db: Db, scope: BudgetScope, id: number, min: MinAvailable, actor: string) {
  const column = scope === 'backend' ? 'backend_id' : 'application_id';
  await db.execute(
    `INSERT INTO haproxy_budgets (scope, ${column}, min_count, min_percent, set_by, set_at)
     VALUES ($1, $2, $3, $4, $5, now())
     ON CONFLICT (${column}) DO UPDATE SET min_count = EXCLUDED.min_count, min_percent = EXCLUDED.min_percent,
       set_by = EXCLUDED.set_by, set_at = EXCLUDED.set_at`,
    [scope, id, ...minColumns(min), actor]
  );
}

export async function clearBudget(db: Db, scope: BudgetScope, id: number): Promise<void> {
  await db.execute(`DELETE FROM haproxy_budgets WHERE scope = $1 AND ${scope}_id = $2`, [scope, id]);
}

/**
 * HAPROXY_MIN_AVAILABLE written where Grafana's alert rules (SQL, no environment) can read it; the service
 * itself decides with its configuration. Replicas must share the variable: the last to start writes it.
 */
export async function recordDefaultBudget(db: Db, min: MinAvailable): Promise<void> {
  await db.execute(
    `INSERT INTO haproxy_budgets (scope, min_count, min_percent, set_by, set_at)
     VALUES ('default', $1, $2, 'env:HAPROXY_MIN_AVAILABLE', now())
     ON CONFLICT (scope) WHERE scope = 'default' DO UPDATE SET min_count = EXCLUDED.min_count,
       min_percent = EXCLUDED.min_percent, set_at = EXCLUDED.set_at`,
    minColumns(min)
  );
}

/** The minimums set on these backends and applications, by `scope:id`. */
export async function storedMinimums(
  db: Db,
  backendIds: readonly number[],
  applicationIds: readonly number[]
): Promise<Map<string, MinAvailable>> {
  const rows = await db.query<{ key: string; min_count: number | null; min_percent: number | null }>(
    `SELECT scope || ':' || coalesce(backend_id, application_id) AS key, min_count, min_percent FROM haproxy_budgets
      WHERE backend_id = ANY($1::int[]) OR application_id = ANY($2::int[])`,
    [backendIds, applicationIds]
  );
  return new Map(rows.map((r) => [r.key, minOf(r)]));
}

type PartRow = { key: string; backend_id: number | null } & Record<
  `${'active' | 'backup' | 'all'}_${keyof Tally}`,
  number
>;

const tallyOf = (r: PartRow, prefix: 'active' | 'backup' | 'all'): Tally => ({
  n: r[`${prefix}_n`],
  available: r[`${prefix}_available`],
  said: r[`${prefix}_said`],
});

/**
 * The servers of these backends and applications, by `scope:id`, counted per backend (BackendPart: a scope with no
 * servers has none). An application's part also counts its backend's active servers of any application.
 */
export async function scopeParts(
  db: Db,
  backendIds: readonly number[],
  applicationIds: readonly number[]
): Promise<Map<string, BackendPart[]>> {
  const rows = await db.query<PartRow>(
    `SELECT 'backend:' || b.id AS key, b.id AS backend_id, ${PART_TALLIES},
            NULL::int AS all_n, NULL::int AS all_available, NULL::int AS all_said
       FROM haproxy_backends b
       JOIN haproxy_instances i ON i.id = b.instance_id
       JOIN hosts h ON h.id = i.host_id
       LEFT JOIN haproxy_servers s ON s.backend_id = b.id AND s.removed_at IS NULL
      WHERE b.id = ANY($1::int[]) GROUP BY b.id
     UNION ALL
     SELECT p.*, w.* FROM (
       SELECT 'application:' || a.id AS key, sb.id AS backend_id, ${PART_TALLIES}
         FROM applications a
         LEFT JOIN (haproxy_servers s JOIN haproxy_backends sb ON sb.id = s.backend_id AND sb.removed_at IS NULL
                    JOIN haproxy_instances i ON i.id = sb.instance_id JOIN hosts h ON h.id = i.host_id)
           ON s.application_id = a.id AND s.removed_at IS NULL
        WHERE a.id = ANY($2::int[]) GROUP BY a.id, sb.id) p
     LEFT JOIN LATERAL (
       SELECT ${tally('all', ACTIVE_SERVER)}
         FROM haproxy_backends b
         JOIN haproxy_instances i ON i.id = b.instance_id
         JOIN hosts h ON h.id = i.host_id
         JOIN haproxy_servers s ON s.backend_id = b.id AND s.removed_at IS NULL
        WHERE b.id = p.backend_id) w ON true`,
    [backendIds, applicationIds]
  );
  const out = new Map<string, BackendPart[]>();
  for (const r of rows) {
    const parts = out.get(r.key) ?? [];
    out.set(r.key, parts);
    if (r.backend_id !== null) {
      const active = tallyOf(r, 'active');
      // A backend's own part: its active servers are all of them.
      parts.push({
        backendId: r.backend_id,
        active,
        backup: tallyOf(r, 'backup'),
        backendActive: r.all_n === null ? active : tallyOf(r, 'all'),
      });
    }
  }
  return out;
}

/** Servers counted, available and stale (ScopeCount) per backend and per application, by `scope:id`. */
export async function scopeCounts(
  db: Db,
  backendIds: readonly number[],
  applicationIds: readonly number[]
): Promise<Map<string, ScopeCount>> {
  const parts = await scopeParts(db, backendIds, applicationIds);
  return new Map([...parts].map(([k, p]) => [k, scopeCount(p)]));
}

/** Where a server stands for the guarded path: its scopes, with names for messages, and whether it counts. */
export interface BudgetTarget {
  server_id: number;
  server_name: string;
  admin_state: AdminState | null;
  maint_source: MaintSource | null;
  available: boolean;
  /** HAProxy's `backup` flag (false when the agent does not say). */
  backup: boolean;
  weight: number;
  initial_weight: number | null;
  backend_id: number;
  backend_name: string;
  instance_id: number;
  instance_name: string;
  application_id: number | null;
  application_name: string | null;
}

export function budgetTargets(db: Db, serverIds: readonly number[]): Promise<BudgetTarget[]> {
  return db.query<BudgetTarget>(
    `SELECT s.id AS server_id, s.server_name, s.admin_state, s.maint_source, (${BUDGET_AVAILABLE}) AS available,
            s.backup IS TRUE AS backup, s.weight, s.initial_weight,
            b.id AS backend_id, b.backend_name, i.id AS instance_id, i.name AS instance_name, a.id AS application_id,
            a.name AS application_name
       FROM haproxy_servers s
       JOIN haproxy_backends b ON b.id = s.backend_id
       JOIN haproxy_instances i ON i.id = b.instance_id
       JOIN hosts h ON h.id = i.host_id
       LEFT JOIN applications a ON a.id = s.application_id
      WHERE s.id = ANY($1::int[])
      ORDER BY array_position($1::int[], s.id)`,
    [serverIds]
  );
}

/**
 * The servers that follow each of `serverIds` through HAProxy's `track` (directly or down a chain), in the same
 * HAProxy instance and not removed: taking one out takes those out too. By the id it follows; none: absent.
 */
export async function trackersOf(db: Db, serverIds: readonly number[]): Promise<Map<number, number[]>> {
  const rows = await db.query<{ root: number; id: number }>(
    `WITH RECURSIVE f(root, id) AS (
       SELECT s.id, s.id FROM haproxy_servers s WHERE s.id = ANY($1::int[])
       UNION
       SELECT f.root, t.id
         FROM f
         JOIN haproxy_servers p ON p.id = f.id
         JOIN haproxy_backends pb ON pb.id = p.backend_id
         JOIN haproxy_servers t ON t.tracks = pb.backend_name || '/' || p.server_name
                                AND t.tracks IS NOT NULL AND t.removed_at IS NULL
         JOIN haproxy_backends tb ON tb.id = t.backend_id AND tb.instance_id = pb.instance_id AND tb.removed_at IS NULL
     )
     SELECT root, id FROM f WHERE id <> root ORDER BY root, id`,
    [serverIds]
  );
  const out = new Map<number, number[]>();
  for (const r of rows) {
    const ids = out.get(r.root);
    if (ids) {
      ids.push(r.id);
    } else {
      out.set(r.root, [r.id]);
    }
  }
  return out;
}

/**
 * Serialises every take-out decision of the backends and applications of these servers, across requests and
 * replicas, until the caller's transaction ends. Backends first, then applications, each in ascending order:
 * two deciders never wait on each other in opposite orders.
 */
export async function lockBudgetScopes(
  tx: Db,
  servers: ReadonlyArray<Pick<BudgetTarget, 'backend_id' | 'application_id'>>
): Promise<void> {
  const ascending = (ids: Array<number | null>) =>
    [...new Set(ids.filter((id): id is number => id !== null))].sort((a, b) => a - b);
  for (const id of ascending(servers.map((s) => s.backend_id))) {
    await advisoryXactLockIn(tx, BUDGET_BACKEND_LOCKS, id);
  }
  for (const id of ascending(servers.map((s) => s.application_id))) {
    await advisoryXactLockIn(tx, BUDGET_APPLICATION_LOCKS, id);
  }
}

/**
 * The server is going out: counts see it out until its outcome is written or the lease ends. Answers the mark's
 * `since` (the deciding transaction's time, as text to keep its microseconds): what names this decision's marks.
 */
export async function markTakingOut(tx: Db, serverId: number, command: string, leaseMs: number): Promise<string> {
  const [row] = await tx.query<{ since: string }>(
    `INSERT INTO haproxy_taking_out (server_id, command, since, until)
     VALUES ($1, $2, now(), clock_timestamp() + $3 * interval '1 millisecond')
     ON CONFLICT (server_id) DO UPDATE SET command = EXCLUDED.command, since = EXCLUDED.since, until = EXCLUDED.until
     RETURNING since::text AS since`,
    [serverId, command, leaseMs]
  );
  return row.since;
}

export async function releaseTakingOut(db: Db, serverId: number): Promise<void> {
  await db.execute(`DELETE FROM haproxy_taking_out WHERE server_id = $1`, [serverId]);
}

/** The server's mark, unless its stored weight is still `weight`: nothing recorded what the command did to it. */
export async function releaseUnlessWeight(db: Db, serverId: number, weight: number): Promise<void> {
  await db.execute(
    `DELETE FROM haproxy_taking_out o USING haproxy_servers s
      WHERE o.server_id = $1 AND s.id = o.server_id AND s.weight IS DISTINCT FROM $2`,
    [serverId, weight]
  );
}

/** The marks one decision (`since`) put on these servers, unless a later decision has marked them since. */
export async function releaseMarksOf(db: Db, serverIds: readonly number[], since: string): Promise<void> {
  await db.execute(`DELETE FROM haproxy_taking_out WHERE server_id = ANY($1::int[]) AND since = $2::timestamptz`, [
    serverIds,
    since,
  ]);
}

/** The applications with a budget of their own (an application has no default), by id, with their names. */
export async function budgetedApplications(db: Db): Promise<Array<{ id: number; name: string; min: MinAvailable }>> {
  const rows = await db.query<{ id: number; name: string; min_count: number | null; min_percent: number | null }>(
    `SELECT a.id, a.name, x.min_count, x.min_percent FROM haproxy_budgets x JOIN applications a ON a.id = x.application_id
      WHERE x.scope = 'application' ORDER BY a.name, a.id`
  );
  return rows.map((r) => ({ id: r.id, name: r.name, min: minOf(r) }));
}

/**
 * A backend's or an application's name, and whether it is gone from HAProxy (a removed backend; an application
 * never is); undefined when it does not exist.
 */
export async function scopeName(
  db: Db,
  scope: BudgetScope,
  id: number
): Promise<{ name: string; removed: boolean } | undefined> {
  const [row] = await db.query<{ name: string; removed: boolean }>(
    scope === 'backend'
      ? `SELECT backend_name AS name, removed_at IS NOT NULL AS removed FROM haproxy_backends WHERE id = $1`
      : `SELECT name, false AS removed FROM applications WHERE id = $1`,
    [id]
  );
  return row;
}
