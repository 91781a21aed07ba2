import type { Db } from '../db/db';
import { setColumns } from './sql';

/** A machine running an FAgent (AC's "Server"), as the API shows it: the agent token never leaves. */
export interface HostRow {
  id: number;
  name: string;
  address: string;
  fagent_url: string;
  is_active: boolean;
  has_fagent_token: boolean;
  instance_count: number;
  created_at: Date;
  updated_at: Date;
}

export interface HostInput {
  name: string;
  address: string;
  fagent_url: string;
  fagent_token?: string | null;
  is_active?: boolean;
}

const SELECT = `
  SELECT h.id, h.name, h.address, h.fagent_url, h.is_active, (h.fagent_token IS NOT NULL) AS has_fagent_token,
         (SELECT count(*)::int FROM haproxy_instances i WHERE i.host_id = h.id) AS instance_count, h.created_at, h.updated_at
    FROM hosts h`;

export function listHosts(db: Db): Promise<HostRow[]> {
  return db.query<HostRow>(`${SELECT} ORDER BY h.name`);
}

export async function getHost(db: Db, hostId: number): Promise<HostRow | undefined> {
  return (await db.query<HostRow>(`${SELECT} WHERE h.id = $1`, [hostId]))[0];
}

export async function createHost(db: Db, h: HostInput): Promise<number> {
  const [row] = await db.query<{ id: number }>(
    `INSERT INTO hosts (name, address, fagent_url, fagent_token, is_active) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
    [h.name, h.address, h.fagent_url, h.fagent_token ?? null, h.is_active ?? true]
  );
  return row.id;
}

/** Sets the given fields; false when there is no such host. */
export async function updateHost(db: Db, hostId: number, changes: Partial<HostInput>): Promise<boolean> {
  const params: unknown[] = [hostId];
  const sets = setColumns(params, {
    name: changes.name,
    address: changes.address,
    fagent_url: changes.fagent_url,
    fagent_token: changes.fagent_token,
    is_active: changes.is_active,
  });
  return (await db.execute(`UPDATE hosts SET ${[...sets, 'updated_at = now()'].join(', ')} WHERE id = $1`, params)) > 0;
}

/** Deletes a host with its instances (cascade); returns those instances' ids, or null when there is no such host. */
export function deleteHost(db: Db, hostId: number): Promise<number[] | null> {
  return db.transaction(async (tx) => {
    const instances = await tx.query<{ id: number }>(`SELECT id FROM haproxy_instances WHERE host_id = $1`, [hostId]);
    const deleted = await tx.execute(`DELETE FROM hosts WHERE id = $1`, [hostId]);
    return deleted > 0 ? instances.map((i) => i.id) : null;
  });
}

/** Where a host's agent is and the token it takes: only for calling the agent, never for an answer. */
export interface HostAgent {
  host_id: number;
  fagent_url: string;
  fagent_token: string | null;
}

export async function agentOfHost(db: Db, hostId: number): Promise<HostAgent | undefined> {
  return (
    await db.query<HostAgent>(`SELECT id AS host_id, fagent_url, fagent_token FROM hosts WHERE id = $1`, [hostId])
  )[0];
}

/** The agent of an instance's host, with the instance's name there. */
export async function agentOfInstance(
  db: Db,
  instanceId: number
): Promise<(HostAgent & { instance_id: number; instance_name: string }) | undefined> {
  return (
    await db.query<HostAgent & { instance_id: number; instance_name: string }>(
      `SELECT i.id AS instance_id, i.name AS instance_name, h.id AS host_id, h.fagent_url, h.fagent_token
         FROM haproxy_instances i JOIN hosts h ON h.id = i.host_id WHERE i.id = $1`,
      [instanceId]
    )
  )[0];
}
