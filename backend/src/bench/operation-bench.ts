import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { startEmbeddedPostgres } from '../db/embedded';
import type { PoolDb } from '../db/db';
import { createLogger } from '../logger';
import { RunningService, startService } from '../service';

/**
 * The operation bench (part of `npm run bench`; alone: `node dist/bench/operation-bench.js`): a rolling drain
 * job over 1,000 servers (50 backends x 20) with max_parallel 50, run by a replica of its own that looks every
 * BENCH_OPERATION_POLL_MS (200). Its agent answers at once and every drained server has 0 sessions, so the only
 * waits the job must do are its looks: two per batch (drain, then maint once 0 sessions are seen), the last
 * without a wait after it. Prints the time above those waits and PostgreSQL's load per look (from
 * pg_stat_database: transactions, rows read and written).
 */
const SHAPE = { backends: 50, servers: 20 };
const MAX_PARALLEL = 50;
const POLL_MS = Number(process.env.BENCH_OPERATION_POLL_MS ?? 200);
const INSTANCE = 'ops-bench';
const TOKEN = 'bench-operations-token-0123456789abcdef';

/** An agent of one instance that applies drain, maint and ready at once; sessions are always 0. */
async function startOpsAgent() {
  const admin = new Map<string, string>();
  const STATUS: Record<string, string> = { ready: 'UP', drain: 'DRAIN', maint: 'MAINT' };
  const backends = Array.from({ length: SHAPE.backends }, (_, b) => `ops_${b}`);
  const server = http.createServer((req, res) => {
    const p = (req.url ?? '').split('?')[0].split('/'); // ['', 'api', 'haproxy', instance, 'backends', b, 'servers', s, command]
    const send = (body: unknown, status = 200) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    req.resume();
    if (p[3] !== INSTANCE || p[4] !== 'backends') {
      return send({ success: false, error: 'no such route' }, 404);
    }
    if (p.length === 5) {
      return send({ success: true, backends });
    }
    if (req.method === 'POST' && p.length === 9) {
      admin.set(`${p[5]}/${p[7]}`, p[8]);
      return send({ success: true, message: 'done' });
    }
    const servers = Array.from({ length: SHAPE.servers }, (_, s) => ({
      name: `srv_${s}`,
      address: `10.9.0.${s + 1}:8080`,
      status: STATUS[admin.get(`${p[5]}/srv_${s}`) ?? 'ready'],
      weight: 100,
      current_sessions: 0,
      max_sessions: 1000,
    }));
    return send({ success: true, servers });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

interface DbLoad {
  transactions: number;
  rows_read: number;
  rows_written: number;
}

async function dbLoad(db: PoolDb): Promise<DbLoad> {
  await db.query(`SELECT pg_stat_clear_snapshot()`);
  const [r] = await db.query<DbLoad>(
    `SELECT (xact_commit + xact_rollback)::float8 AS transactions, (tup_returned + tup_fetched)::float8 AS rows_read,
            (tup_inserted + tup_updated + tup_deleted)::float8 AS rows_written
       FROM pg_stat_database WHERE datname = current_database()`
  );
  return r;
}

const round = (n: number) => Math.round(n * 10) / 10;

/**
 * Runs the job on the database of `main` (whose own job worker is stopped first, so the bench's replica, polling
 * faster, runs it) and answers the figures.
 */
export async function runOperationBench(main: RunningService) {
  await main.operationWorker.stop();
  const agent = await startOpsAgent();
  const service = await startService(
    {
      databaseUrl: main.config.databaseUrl,
      port: 0,
      enabled: false,
      logLevel: 'warn',
      bootstrapAdminToken: TOKEN,
      minAvailable: { count: 0 },
      operationPollMs: POLL_MS,
      windowCheckIntervalMs: 0,
    },
    {}
  );
  try {
    const { db } = service;
    const [host] = await db.query<{ id: number }>(
      `INSERT INTO hosts (name, address, fagent_url) VALUES ('ops-bench-agent', '127.0.0.1', $1) RETURNING id`,
      [agent.url]
    );
    const [instance] = await db.query<{ id: number }>(
      `INSERT INTO haproxy_instances (host_id, name) VALUES ($1, $2) RETURNING id`,
      [host.id, INSTANCE]
    );
    const synced = await service.scheduler.syncInstance(instance.id, { fresh: true });
    if (synced.status !== 'ok') {
      throw new Error(`the operation bench's instance did not sync: ${synced.error}`);
    }
    const ids = (
      await db.query<{ id: number }>(
        `SELECT s.id FROM haproxy_servers s JOIN haproxy_backends b ON b.id = s.backend_id
          WHERE b.instance_id = $1 ORDER BY s.id`,
        [instance.id]
      )
    ).map((r) => r.id);

    const before = await dbLoad(db);
    const t = performance.now();
    const created = await fetch(`${service.url}/api/haproxy/operations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'drain', server_ids: ids, max_parallel: MAX_PARALLEL, reason: 'bench' }),
    });
    const { id } = (await created.json()) as { id: string };
    let state = 'queued';
    while (state === 'queued' || state === 'running') {
      await new Promise((r) => setTimeout(r, 20));
      const [row] = await db.query<{ state: string }>(`SELECT state FROM haproxy_operations WHERE id = $1`, [id]);
      state = row.state;
    }
    const totalMs = performance.now() - t;
    const after = await dbLoad(db);
    const [{ commands }] = await db.query<{ commands: number }>(
      `SELECT count(*)::int AS commands FROM haproxy_actions WHERE operation_id = $1`,
      [id]
    );
    const batches = Math.ceil(ids.length / MAX_PARALLEL);
    const looks = 2 * batches;
    const waitsMs = (looks - 1) * POLL_MS;
    const per = (k: keyof DbLoad) => round((after[k] - before[k]) / looks);
    return {
      servers: ids.length,
      max_parallel: MAX_PARALLEL,
      poll_ms: POLL_MS,
      state,
      commands,
      looks,
      total_ms: round(totalMs),
      waits_ms: waitsMs,
      above_waits_ms: round(totalMs - waitsMs),
      above_waits_per_look_ms: round((totalMs - waitsMs) / looks),
      db_per_look: {
        transactions: per('transactions'),
        rows_read: per('rows_read'),
        rows_written: per('rows_written'),
      },
    };
  } finally {
    await service.stop();
    await agent.stop();
  }
}

/** Alone: an embedded PostgreSQL of its own and a backend on it. */
async function main() {
  const log = createLogger('warn');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hpx-ops-bench-'));
  fs.chmodSync(tmp, 0o777);
  const embedded = await startEmbeddedPostgres(tmp, 20000 + Math.floor(Math.random() * 20000), log);
  const service = await startService({ databaseUrl: embedded.url, port: 0, enabled: false, logLevel: 'warn' }, {});
  try {
    console.log(JSON.stringify({ operations: await runOperationBench(service) }, null, 2));
  } finally {
    await service.stop();
    await embedded.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
