import { advisoryXactLockIn, REGISTRY_LOCKS } from '../db/advisory-lock';
import type { Db } from '../db/db';
import { conflict } from '../domain/errors';
import { setColumns } from './sql';

/**
 * A machine running an FAgent (AC's "Server"), as the API shows it: the agent token never leaves, and the URL
 * is shown without what may carry a secret (credentials or a query of a row older than the API's checks).
 */
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

/** A stored agent URL without user:password@, query and fragment; unchanged when it has none. */
export function shownAgentUrl(stored: string): string {
  let url: URL;
  try {
    url = new URL(stored);
  } catch {
    // Not a URL, so no parser decides what is what: drop anything that looks like userinfo, query or fragment.
    return stored.replace(/^([^/?#]*\/\/)[^/?#]*@/, '$1').replace(/[?#][\s\S]*$/, '');
  }
  if (url.username === '' && url.password === '' && url.search === '' && url.hash === '') {
    return stored;
  }
  url.username = '';
  url.password = '';
  url.search = '';
  url.hash = '';
  return url.toString();
}

const shown = (row: HostRow): HostRow => ({ ...row, fagent_url: shownAgentUrl(row.fagent_url) });

/**
 * The agent a URL reaches, as the FAgent client calls it (the origin, then the path without trailing slashes):
 * the case of the scheme or host, a default port, a trailing slash or a root domain's dot make no other agent.
 */
export function agentIdentity(fagentUrl: string): string {
  let url: URL;
  try {
    url = new URL(fagentUrl.trim());
  } catch {
    return fagentUrl.trim();
  }
  return `${url.protocol}//${url.host.replace(/\.(:\d+)?$/, '$1')}${url.pathname.replace(/\/+$/, '')}`;
}

/**
 * Refuses (409) one HAProxy registered twice: an instance name of this host (`names`, default its instances now)
 * under another host whose agent URL reaches the same agent, active or not. Both would sync it, so its servers
 * would count twice (summary, /metrics, disruption budgets) and a command on one copy would leave the other
 * stale. Other names behind a shared agent (a gateway) are fine. Call it in the transaction that then writes,
 * after its row locks (host, then instances): the registry's lock makes two such changes check one at a time.
 */
export async function refuseTwinInstances(tx: Db, hostId: number, names?: string[]): Promise<void> {
  const ours =
    names ??
    (
      await tx.query<{ name: string }>(`SELECT name FROM haproxy_instances WHERE host_id = $1 FOR UPDATE`, [hostId])
    ).map((r) => r.name);
  if (ours.length === 0) {
    return;
  }
  await advisoryXactLockIn(tx, REGISTRY_LOCKS, 0);
  const [host] = await tx.query<{ fagent_url: string }>(`SELECT fagent_url FROM hosts WHERE id = $1`, [hostId]);
  if (!host) {
    return;
  }
  const agent = agentIdentity(host.fagent_url);
  const twin = (
    await tx.query<{ host_name: string; fagent_url: string; instance_name: string }>(
      `SELECT h.name AS host_name, h.fagent_url, i.name AS instance_name
         FROM haproxy_instances i JOIN hosts h ON h.id = i.host_id
        WHERE i.host_id <> $1 AND i.name = ANY($2::text[])
        ORDER BY h.name, i.name`,
      [hostId, ours]
    )
  ).find((r) => agentIdentity(r.fagent_url) === agent);
  if (twin) {
    throw conflict(
      `host ${twin.host_name} already has instance ${twin.instance_name} through the same agent ` +
        `(${shownAgentUrl(twin.fagent_url)}): that is the same HAProxy, which would be synced and counted twice ` +
        '(budgets too); use that instance, or delete it first'
    );
  }
}

export async function listHosts(db: Db): Promise<HostRow[]> {
  return (await db.query<HostRow>(`${SELECT} ORDER BY h.name`)).map(shown);
}

export async function getHost(db: Db, hostId: number): Promise<HostRow | undefined> {
  const [row] = await db.query<HostRow>(`${SELECT} WHERE h.id = $1`, [hostId]);
  return row && shown(row);
}

export async function createHost(db: Db, h: HostInput): Promise<number> {
  const [row] = await db.query<{ id: number }>(
    `INSERT INTO hosts (name, address, fagent_url, fagent_token, is_active) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
    [h.name, h.address, h.fagent_url, h.fagent_token ?? null, h.is_active ?? true]
  );
  return row.id;
}

/**
 * Sets the given fields; false when there is no such host, or when the URL would reach another agent while the
 * stored agent token stays (`fagent_url` without `fagent_token`): a token is never sent to an address it was
 * not given for. The same agent spelt otherwise (case, default port, trailing slash) keeps it. A 409 when
 * another agent makes one of its instances a twin (refuseTwinInstances).
 */
export function updateHost(db: Db, hostId: number, changes: Partial<HostInput>): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [before] =
      changes.fagent_url === undefined
        ? []
        : await tx.query<{ fagent_url: string }>(`SELECT fagent_url FROM hosts WHERE id = $1 FOR UPDATE`, [hostId]);
    const otherAgent = before !== undefined && agentIdentity(before.fagent_url) !== agentIdentity(changes.fagent_url!);
    if ((otherAgent && changes.fagent_token === undefined) || !(await setHostFields(tx, hostId, changes))) {
      return false;
    }
    if (otherAgent) {
      await refuseTwinInstances(tx, hostId);
    }
    return true;
  });
}

async function setHostFields(db: Db, hostId: number, changes: Partial<HostInput>): Promise<boolean> {
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

/**
 * Deletes a host with its instances (cascade); returns those instances' ids, or null when there is no such host.
 * Its applications stay without a host: a conflict when one of the same name already has none.
 */
export function deleteHost(db: Db, hostId: number): Promise<number[] | null> {
  return db.transaction(async (tx) => {
    const clashes = await tx.query<{ name: string }>(
      `SELECT a.name FROM applications a
        WHERE a.host_id = $1 AND EXISTS (SELECT 1 FROM applications b WHERE b.host_id IS NULL AND b.name = a.name)
        ORDER BY a.name`,
      [hostId]
    );
    if (clashes.length > 0) {
      throw conflict(
        `the host's applications would lose their host, and ${clashes.map((c) => `"${c.name}"`).join(', ')} ` +
          'already exist(s) without one: rename or delete one of each pair first'
      );
    }
    const instances = await tx.query<{ id: number }>(`SELECT id FROM haproxy_instances WHERE host_id = $1`, [hostId]);
    const deleted = await tx.execute(`DELETE FROM hosts WHERE id = $1`, [hostId]);
    return deleted > 0 ? instances.map((i) => i.id) : null;
  });
}

/** Every stored agent token as stored (sealed or not), for the start-time encryption (secrets/). */
export function storedAgentTokens(db: Db): Promise<Array<{ id: number; name: string; fagent_token: string }>> {
  return db.query(`SELECT id, name, fagent_token FROM hosts WHERE fagent_token IS NOT NULL ORDER BY id`);
}

/** Replaces a stored agent token by another form of the same secret, if it is still `from`; true when it was. */
export async function replaceStoredAgentToken(db: Db, hostId: number, from: string, to: string): Promise<boolean> {
  return (
    (await db.execute(`UPDATE hosts SET fagent_token = $3 WHERE id = $1 AND fagent_token = $2`, [hostId, from, to])) > 0
  );
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
