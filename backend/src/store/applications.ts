import type { Db } from '../db/db';

/** An application deployed on a host; HAProxy servers map to it. */
export interface ApplicationRow {
  id: number;
  name: string;
  host_id: number | null;
  host_name: string | null;
  created_at: Date;
  server_count: number;
}

const SELECT = `
  SELECT a.id, a.name, a.host_id, h.name AS host_name, a.created_at,
         (SELECT count(*)::int FROM haproxy_servers s WHERE s.application_id = a.id AND s.removed_at IS NULL) AS server_count
    FROM applications a LEFT JOIN hosts h ON h.id = a.host_id`;

export function listApplications(db: Db): Promise<ApplicationRow[]> {
  return db.query<ApplicationRow>(`${SELECT} ORDER BY a.name, a.id`);
}

export async function getApplication(db: Db, appId: number): Promise<ApplicationRow | undefined> {
  return (await db.query<ApplicationRow>(`${SELECT} WHERE a.id = $1`, [appId]))[0];
}

export async function applicationExists(db: Db, appId: number): Promise<boolean> {
  return (await db.query(`SELECT 1 FROM applications WHERE id = $1`, [appId])).length > 0;
}

export async function createApplication(db: Db, name: string, hostId: number | null): Promise<number> {
  const [row] = await db.query<{ id: number }>(
    `INSERT INTO applications (name, host_id) VALUES ($1, $2) RETURNING id`,
    [name, hostId]
  );
  return row.id;
}

/** `hostId` undefined keeps the host, null clears it; false when there is no such application. */
export async function updateApplication(
  db: Db,
  appId: number,
  changes: { name?: string; hostId?: number | null }
): Promise<boolean> {
  const updated = await db.execute(
    `UPDATE applications SET name = coalesce($2, name), host_id = CASE WHEN $3 THEN $4 ELSE host_id END WHERE id = $1`,
    [appId, changes.name ?? null, changes.hostId !== undefined, changes.hostId ?? null]
  );
  return updated > 0;
}

/**
 * Deletes an application; the servers mapped to it become unmapped and open to auto-mapping again. Answers the
 * servers a person had mapped to it (their mapping is an admin change of its own), with their path names.
 */
export function deleteApplication(db: Db, appId: number): Promise<Array<{ id: number; name: string }>> {
  return db.transaction(async (tx) => {
    const manual = await tx.query<{ id: number; name: string }>(
      `WITH old AS (SELECT id, mapping_kind FROM haproxy_servers WHERE application_id = $1 FOR UPDATE),
            unmapped AS (
              UPDATE haproxy_servers s SET application_id = NULL, mapping_kind = NULL, mapping_note = NULL
                FROM old WHERE s.id = old.id RETURNING s.id, s.backend_id, s.server_name, old.mapping_kind)
       SELECT u.id, i.name || '/' || b.backend_name || '/' || u.server_name AS name
         FROM unmapped u JOIN haproxy_backends b ON b.id = u.backend_id JOIN haproxy_instances i ON i.id = b.instance_id
        WHERE u.mapping_kind = 'manual' ORDER BY u.id`,
      [appId]
    );
    await tx.execute(`DELETE FROM applications WHERE id = $1`, [appId]);
    return manual;
  });
}

/** Hosts and applications as auto-mapping (sync/auto-mapping.ts) sees them. */
export async function mappingSources(db: Db) {
  const [hosts, applications] = await Promise.all([
    db.query<{ id: number; name: string; address: string }>(`SELECT id, name, address FROM hosts`),
    db.query<{ id: number; name: string; hostId: number | null }>(
      `SELECT id, name, host_id AS "hostId" FROM applications`
    ),
  ]);
  return { hosts, applications };
}
