import type { DataSource } from 'typeorm';
import { PoolDb } from '../../src/db/db';
import { STATUS_CODE, ServerStatus } from '../../src/domain/status';
import { HistoryMaintenance } from '../../src/history/maintenance';
import { DAY, HOUR, MINUTE } from '../../src/history/partitions';
import { HistoryQuery } from '../../src/history/query';
import { createTestDatabase, TestDatabase } from '../support/db';
import { silentLog } from '../support/fixtures';
import { checked, type CheckedService } from '../support/openapi';
import { startTestService } from '../support/service';

/** 2026-01-10T12:00:00Z: the fixtures' first sample. */
export const T0 = Date.UTC(2026, 0, 10, 12);

export const retention = { rawRetentionMs: DAY, rollup5mRetentionMs: 7 * DAY, rollup1hRetentionMs: 30 * DAY };

export function maintenance(ds: DataSource, clock: () => number) {
  return new HistoryMaintenance(new PoolDb(ds), silentLog, { ...retention, clock: () => new Date(clock()) });
}

export interface Fleet {
  instances: Record<string, number>;
  backends: Record<string, number>;
  servers: Record<string, number>;
  applicationId: number;
}

/**
 * edge-1: shop (s1, s2, s3), api (a1); edge-2: shop (x1). s1 and s2 belong to application "webshop".
 * Servers are stored with fixed current state; samples are written separately.
 */
export async function createFleet(ds: DataSource): Promise<Fleet> {
  const [host] = await ds.query(
    `INSERT INTO hosts (name, address, fagent_url) VALUES ('h1', '10.0.0.1', 'http://h1:9000') RETURNING id`
  );
  const [app] = await ds.query(`INSERT INTO applications (name) VALUES ('webshop') RETURNING id`);
  const fleet: Fleet = { instances: {}, backends: {}, servers: {}, applicationId: app.id };
  const layout: Array<[string, string, Array<[string, ServerStatus]>]> = [
    [
      'edge-1',
      'shop',
      [
        ['s1', 'UP'],
        ['s2', 'UP'],
        ['s3', 'MAINT'],
      ],
    ],
    ['edge-1', 'api', [['a1', 'UP']]],
    ['edge-2', 'shop', [['x1', 'DRAIN']]],
  ];
  for (const [inst, backend, servers] of layout) {
    fleet.instances[inst] ??= (
      await ds.query(`INSERT INTO haproxy_instances (host_id, name) VALUES ($1, $2) RETURNING id`, [host.id, inst])
    )[0].id;
    const [b] = await ds.query(
      `INSERT INTO haproxy_backends (instance_id, backend_name) VALUES ($1, $2) RETURNING id`,
      [fleet.instances[inst], backend]
    );
    fleet.backends[`${inst}/${backend}`] = b.id;
    for (const [name, status] of servers) {
      const [s] = await ds.query(
        `INSERT INTO haproxy_servers (backend_id, server_name, address, status, raw_status, weight, current_sessions, max_sessions,
                                      application_id, mapping_kind, status_changed_at, backup)
         VALUES ($1, $2, $3, $4, $4, 10, 1, 100, $5, $6, $7, $8) RETURNING id`,
        [
          b.id,
          name,
          `10.1.0.${Object.keys(fleet.servers).length + 1}:80`,
          status,
          name.startsWith('s') && name !== 's3' ? app.id : null,
          name.startsWith('s') && name !== 's3' ? 'manual' : null,
          new Date(T0),
          name === 's2', // one backup server
        ]
      );
      fleet.servers[name] = s.id;
    }
  }
  return fleet;
}

export interface ServerSample {
  server: string;
  status: ServerStatus;
  weight: number;
  sessions: number;
}

/** One sync's sample rows, in the shape InstanceSync.insertSamples writes. */
export async function insertSample(ds: DataSource, fleet: Fleet, at: number, backend: string, servers: ServerSample[]) {
  const [inst] = backend.split('/');
  await ds.query(
    `INSERT INTO haproxy_metric_samples (sampled_at, instance_id, backend_id, server_ids, statuses, weights, sessions)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [
      new Date(at),
      fleet.instances[inst],
      fleet.backends[backend],
      servers.map((s) => fleet.servers[s.server]),
      servers.map((s) => STATUS_CODE[s.status]),
      servers.map((s) => s.weight),
      servers.map((s) => s.sessions),
    ]
  );
}

/**
 * Three hours of one sample a minute from T0: s1 UP with minute % 10 sessions, s2 DOWN in minutes 30-34
 * (else UP) with 5, s3 MAINT with 0, a1 UP with 1, x1 DRAIN with 2; weights 100, 50, 0, 10, 10.
 */
export async function insertThreeHours(ds: DataSource, fleet: Fleet) {
  for (let m = 0; m < 180; m++) {
    const at = T0 + m * MINUTE;
    await insertSample(ds, fleet, at, 'edge-1/shop', [
      { server: 's1', status: 'UP', weight: 100, sessions: m % 10 },
      { server: 's2', status: m >= 30 && m < 35 ? 'DOWN' : 'UP', weight: 50, sessions: 5 },
      { server: 's3', status: 'MAINT', weight: 0, sessions: 0 },
    ]);
    await insertSample(ds, fleet, at, 'edge-1/api', [{ server: 'a1', status: 'UP', weight: 10, sessions: 1 }]);
    await insertSample(ds, fleet, at, 'edge-2/shop', [{ server: 'x1', status: 'DRAIN', weight: 10, sessions: 2 }]);
  }
}

/** A status-history row as the sync writes it. */
export async function insertChange(
  ds: DataSource,
  serverId: number,
  at: number,
  from: ServerStatus | null,
  to: ServerStatus
) {
  await ds.query(
    `INSERT INTO haproxy_server_status_history (server_id, from_status, to_status, raw_status, cause, changed_at) VALUES ($1, $2, $3, $3, 'sync', $4)`,
    [serverId, from, to, new Date(at)]
  );
}

/** The status history that goes with insertThreeHours: each server appears at T0, s2 is DOWN from 30 to 35. */
export async function insertThreeHoursHistory(ds: DataSource, fleet: Fleet) {
  for (const [server, status] of [
    ['s1', 'UP'],
    ['s2', 'UP'],
    ['s3', 'MAINT'],
    ['a1', 'UP'],
    ['x1', 'DRAIN'],
  ] as const) {
    await insertChange(ds, fleet.servers[server], T0, null, status);
  }
  await insertChange(ds, fleet.servers.s2, T0 + 30 * MINUTE, 'UP', 'DOWN');
  await insertChange(ds, fleet.servers.s2, T0 + 35 * MINUTE, 'DOWN', 'UP');
}

export const AFTER_THREE_HOURS = T0 + 3 * HOUR + 10 * MINUTE;

/** A service whose answers are checked against openapi.yaml, holding createFleet's fleet. */
export async function fleetService(): Promise<{ t: CheckedService; fleet: Fleet }> {
  const t = checked(await startTestService());
  return { t, fleet: await createFleet(t.service.ds) };
}

/** A database of its own with the fleet, and the query over it (a test file's beforeAll). */
export async function historyFixture(
  o: ConstructorParameters<typeof HistoryQuery>[1] = {}
): Promise<{ db: TestDatabase; fleet: Fleet; history: HistoryQuery }> {
  const db = await createTestDatabase();
  return { db, fleet: await createFleet(db.ds), history: new HistoryQuery(db.pool, o) };
}
