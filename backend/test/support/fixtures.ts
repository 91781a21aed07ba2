import type { DataSource } from 'typeorm';
import { PoolDb } from '../../src/db/db';
import { FagentClient, FagentClientOptions } from '../../src/fagent/client';
import { createLogger } from '../../src/logger';
import { InstanceSync, InstanceSyncOptions } from '../../src/sync/instance-sync';

export const silentLog = createLogger('silent');

let hostSeq = 0;

/** A host with its FAgent URL and one HAProxy instance, straight into the database. */
export async function insertInstance(
  ds: DataSource,
  fagentUrl: string,
  name: string,
  opts: { backendScope?: string[] | null; hostName?: string; hostAddress?: string } = {}
): Promise<{ hostId: number; instanceId: number }> {
  const [host] = await ds.query(`INSERT INTO hosts (name, address, fagent_url) VALUES ($1, $2, $3) RETURNING id`, [
    opts.hostName ?? `agent-host-${++hostSeq}-${name}`,
    opts.hostAddress ?? '192.0.2.1',
    fagentUrl,
  ]);
  const [inst] = await ds.query(
    `INSERT INTO haproxy_instances (host_id, name, backend_scope) VALUES ($1, $2, $3) RETURNING id`,
    [host.id, name, opts.backendScope ? JSON.stringify(opts.backendScope) : null]
  );
  return { hostId: host.id, instanceId: inst.id };
}

export function testClient(over: Partial<FagentClientOptions> = {}): FagentClient {
  return new FagentClient({
    timeoutMs: 1000,
    maxRetries: 0,
    cacheTtlSec: 0,
    breakerThreshold: 100,
    breakerResetTimeoutMs: 60_000,
    retryDelayMs: 10,
    ...over,
  });
}

export function testSync(
  ds: DataSource,
  client: FagentClient,
  clock?: () => Date,
  over: Partial<InstanceSyncOptions> = {}
): InstanceSync {
  return new InstanceSync(new PoolDb(ds), client, silentLog, {
    fetchConcurrency: 4,
    deadlineMs: 10_000,
    removals: { maxShare: 0.5, confirmSyncs: 3 },
    clock,
    ...over,
  });
}

export interface ServerState {
  backend: string;
  server: string;
  status: string;
  raw_status: string;
  removed: boolean;
  id: number;
}

/** Every stored server of an instance, removed ones included, in a stable order. */
export async function serverStates(ds: DataSource, instanceId: number): Promise<ServerState[]> {
  return ds.query(
    `SELECT b.backend_name AS backend, s.server_name AS server, s.status, s.raw_status, s.removed_at IS NOT NULL AS removed, s.id
       FROM haproxy_servers s JOIN haproxy_backends b ON b.id = s.backend_id
      WHERE b.instance_id = $1 ORDER BY b.backend_name, s.server_name`,
    [instanceId]
  );
}

export async function backendStates(
  ds: DataSource,
  instanceId: number
): Promise<Array<{ id: number; name: string; removed: boolean }>> {
  return ds.query(
    `SELECT id, backend_name AS name, removed_at IS NOT NULL AS removed FROM haproxy_backends WHERE instance_id = $1 ORDER BY backend_name`,
    [instanceId]
  );
}

/** A full snapshot of what one instance's sync may change, for "nothing changed" assertions. */
export async function snapshot(ds: DataSource, instanceId: number) {
  const [servers, backends, history] = await Promise.all([
    ds.query(
      `SELECT s.* FROM haproxy_servers s JOIN haproxy_backends b ON b.id = s.backend_id WHERE b.instance_id = $1 ORDER BY s.id`,
      [instanceId]
    ),
    ds.query(`SELECT * FROM haproxy_backends WHERE instance_id = $1 ORDER BY id`, [instanceId]),
    ds.query(`SELECT count(*)::int AS n FROM haproxy_server_status_history`),
  ]);
  return { servers, backends, history };
}
