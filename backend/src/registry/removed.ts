import { conflict, notFound } from '../domain/errors';
import type { Db } from '../db/db';
import { namesInScope } from '../store/backends';
import {
  forgetBackend,
  forgetServer,
  getBackendRemoval,
  getServerRemoval,
  listRemovedBackends,
  listRemovedServers,
  RemovedBackendRow,
  RemovedServerRow,
  restoreBackend,
  restoreServer,
} from '../store/removed';
import { recordStatusChanges } from '../store/server-state';

/**
 * Why a row left the current view, from what is stored: a backend outside its instance's polling scope was
 * retired when the scope changed; any other was missing from the agent's answer at a sync; a server went with
 * its backend or was missing from its backend's server list.
 */
export type RemovalReason = 'out_of_scope' | 'missing_from_agent' | 'with_backend';

export interface RemovedBackend extends Omit<RemovedBackendRow, 'backend_scope'> {
  reason: RemovalReason;
  /** A restore would be undone by nothing but the next sync; an out-of-scope one is not polled, so no. */
  restorable: boolean;
}

export interface RemovedServer extends RemovedServerRow {
  reason: RemovalReason;
  restorable: boolean;
}

export interface RemovedList {
  since: Date;
  backends: RemovedBackend[];
  backends_total: number;
  servers: RemovedServer[];
  servers_total: number;
}

/** Backends and servers removed since `since` and not forgotten, newest first, each with why. */
export async function listRemoved(
  db: Db,
  f: { since: Date; instanceId?: number; limit: number }
): Promise<RemovedList> {
  const [backends, servers] = await Promise.all([listRemovedBackends(db, f), listRemovedServers(db, f)]);
  const outOfScope = await backendsOutOfScope(db, backends.rows);
  return {
    since: f.since,
    backends: backends.rows.map(({ backend_scope: _scope, ...b }) => {
      const out = outOfScope.has(b.id);
      return { ...b, reason: out ? 'out_of_scope' : 'missing_from_agent', restorable: !out };
    }),
    backends_total: backends.total,
    servers: servers.rows.map((s) => ({
      ...s,
      reason: s.with_backend ? 'with_backend' : 'missing_from_agent',
      restorable: !s.backend_removed,
    })),
    servers_total: servers.total,
  };
}

/** Ids of the listed backends that their instance's scope leaves out (one match per scoped instance). */
async function backendsOutOfScope(db: Db, rows: RemovedBackendRow[]): Promise<Set<number>> {
  const byInstance = new Map<number, RemovedBackendRow[]>();
  for (const row of rows.filter((r) => r.backend_scope)) {
    byInstance.set(row.instance_id, [...(byInstance.get(row.instance_id) ?? []), row]);
  }
  const out = new Set<number>();
  for (const list of byInstance.values()) {
    const inScope = await namesInScope(
      db,
      list[0].backend_scope!,
      list.map((r) => r.backend_name)
    );
    for (const row of list.filter((r) => !inScope.has(r.backend_name))) {
      out.add(row.id);
    }
  }
  return out;
}

/** The backend, if it is removed: 404 when there is none, 409 when it is current. */
async function removedBackend(db: Db, backendId: number) {
  const backend = await getBackendRemoval(db, backendId);
  if (!backend) {
    throw notFound(`backend ${backendId}`);
  }
  if (!backend.removed_at) {
    throw conflict(`backend ${backend.backend_name} is not removed`);
  }
  return backend;
}

/** The server, if it is removed: 404 when there is none, 409 when it is current. */
async function removedServer(db: Db, serverId: number) {
  const server = await getServerRemoval(db, serverId);
  if (!server) {
    throw notFound(`server ${serverId}`);
  }
  if (!server.removed_at) {
    throw conflict(`server ${server.server_name} is not removed`);
  }
  return server;
}

/**
 * Brings a removed backend back with the servers that went with it. Only the view changes: if HAProxy still
 * lacks it, the next sync removes it again. One the polling scope leaves out would never be refreshed: refused.
 */
export async function restoreRemovedBackend(db: Db, backendId: number, at = new Date()): Promise<number> {
  const backend = await removedBackend(db, backendId);
  if (backend.backend_scope && !(await namesInScope(db, backend.backend_scope, [backend.backend_name])).size) {
    throw conflict(
      `backend ${backend.backend_name} is outside its instance's polling scope, so no sync would refresh it: widen the scope instead`
    );
  }
  return db.transaction(async (tx) => {
    const servers = await restoreBackend(tx, backendId, at);
    await recordRestored(tx, servers, at);
    return servers.length;
  });
}

/** Brings a removed server back, in a current backend (a removed backend is restored first, with its servers). */
export async function restoreRemovedServer(db: Db, serverId: number, at = new Date()): Promise<void> {
  const server = await removedServer(db, serverId);
  if (server.backend_removed_at) {
    throw conflict(`server ${server.server_name}'s backend ${server.backend_name} is removed: restore the backend`);
  }
  await db.transaction(async (tx) => {
    await restoreServer(tx, serverId, at);
    await recordRestored(tx, [server], at);
  });
}

/** A restore is a row of each server's status history (cause `restored`), like a server that comes back. */
function recordRestored(
  db: Db,
  servers: Array<{ id: number; status: RemovedServerRow['status']; raw_status: string }>,
  at: Date
) {
  return recordStatusChanges(
    db,
    servers.map((s) => ({ serverId: s.id, from: s.status, to: s.status, raw: s.raw_status, cause: 'restored' })),
    at
  );
}

/** Hides a removed backend (and the servers that went with it) from the list for good; its history stays. */
export async function forgetRemovedBackend(db: Db, backendId: number, at = new Date()): Promise<void> {
  await removedBackend(db, backendId);
  await forgetBackend(db, backendId, at);
}

export async function forgetRemovedServer(db: Db, serverId: number, at = new Date()): Promise<void> {
  await removedServer(db, serverId);
  await forgetServer(db, serverId, at);
}
