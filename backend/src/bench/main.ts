#!/usr/bin/env node
import { fork, ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { mapLimited } from '../concurrency/limiter';
import { loadConfig } from '../config';
import { startEmbeddedPostgres } from '../db/embedded';
import type { PoolDb } from '../db/db';
import { DAY, HOUR } from '../history/partitions';
import { createLogger } from '../logger';
import { startService } from '../service';
import { backendName, FleetShape, instanceName } from './fleet-agent';
import { HistoryBench, writeDelta, writeSnapshot } from './history-bench';
import { runOperationBench } from './operation-bench';

/**
 * `npm run bench`: sync throughput on a generated fleet (default 200 x 50 x 20 = 200,000 servers) against
 * two floors measured in the same run, plus API latency with the fleet stored. Prints JSON.
 */
const shape: FleetShape = {
  instances: Number(process.env.BENCH_INSTANCES ?? 200),
  backends: Number(process.env.BENCH_BACKENDS ?? 50),
  servers: Number(process.env.BENCH_SERVERS ?? 20),
};
const SYNC_CONCURRENCY = Number(process.env.BENCH_SYNC_CONCURRENCY ?? 16);
const FETCH_CONCURRENCY = 8;

async function startAgent(): Promise<{ child: ChildProcess; url: string }> {
  const child = fork(path.join(__dirname, 'fleet-agent.js'), [JSON.stringify(shape)], { stdio: 'inherit' });
  const { port } = await new Promise<{ port: number }>((resolve) => child.once('message', resolve as never));
  return { child, url: `http://127.0.0.1:${port}` };
}

const flip = (child: ChildProcess, n: number) =>
  new Promise<void>((resolve) => {
    child.once('message', () => resolve());
    child.send({ flip: n });
  });

/** Floor 1: the same HTTP requests at the same concurrency, only fetched and parsed. */
async function fetchFloor(url: string): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const get = (p: string) =>
    new Promise<unknown>((resolve, reject) => {
      http
        .get(url + p, { agent }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
        })
        .on('error', reject);
    });
  const t = performance.now();
  await mapLimited([...Array(shape.instances).keys()], SYNC_CONCURRENCY, async (i) => {
    await get(`/api/haproxy/${instanceName(i)}/backends`);
    await mapLimited([...Array(shape.backends).keys()], FETCH_CONCURRENCY, (b) =>
      get(`/api/haproxy/${instanceName(i)}/backends/${backendName(b)}/servers`)
    );
  });
  agent.destroy();
  return performance.now() - t;
}

/** Floor 2: one bulk insert of as many server rows, into a scratch table shaped like haproxy_servers. */
async function insertFloor(db: PoolDb): Promise<number> {
  await db
    .query(`CREATE TEMP TABLE bench_floor (LIKE haproxy_servers INCLUDING DEFAULTS INCLUDING INDEXES) ON COMMIT DROP`)
    .catch(() => undefined);
  await db.query(`CREATE TABLE IF NOT EXISTS bench_floor (LIKE haproxy_servers INCLUDING DEFAULTS INCLUDING INDEXES)`);
  const n = shape.instances * shape.backends * shape.servers;
  const t = performance.now();
  await db.query(
    `INSERT INTO bench_floor (backend_id, server_name, address, status, raw_status, weight, current_sessions, max_sessions)
     SELECT g / 20, 'srv_' || (g % 20), '10.0.0.1:8080', 'UP', 'UP', 100, 0, 1000 FROM generate_series(1, $1) g`,
    [n]
  );
  const ms = performance.now() - t;
  await db.query(`DROP TABLE bench_floor`);
  return ms;
}

async function main() {
  const log = createLogger('warn');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hpx-bench-'));
  fs.chmodSync(tmp, 0o777);
  const env = loadConfig();
  const embedded = env.databaseUrl
    ? undefined
    : await startEmbeddedPostgres(tmp, 20000 + Math.floor(Math.random() * 20000), log);
  const agent = await startAgent();
  const service = await startService(
    {
      databaseUrl: env.databaseUrl ?? embedded!.url,
      port: 0,
      enabled: false,
      logLevel: 'warn',
      bootstrapAdminToken: 'bench-admin-token-0123456789abcdef',
      cacheTtlSec: 0,
      syncConcurrency: SYNC_CONCURRENCY,
      fetchConcurrency: FETCH_CONCURRENCY,
    },
    {}
  );
  const { db, scheduler } = service;
  try {
    const [host] = await db.query<{ id: number }>(
      `INSERT INTO hosts (name, address, fagent_url) VALUES ('bench-agent', '127.0.0.1', $1) RETURNING id`,
      [agent.url]
    );
    await db.query(
      `INSERT INTO haproxy_instances (host_id, name) SELECT $1, 'bench-' || g FROM generate_series(0, $2 - 1) g`,
      [host.id, shape.instances]
    );
    // One agent serves the whole fleet here, so the per-host limit must not be the bottleneck.
    Object.assign((scheduler as unknown as { opts: object }).opts, {
      hostConcurrency: SYNC_CONCURRENCY,
      replicaSkipMs: 0,
    });

    const cycle = async () => {
      const machine = machineBusyMs();
      const cpu = process.cpuUsage();
      const t = performance.now();
      const report = await scheduler.runCycle();
      const failed = report.outcomes.filter((o) => o.status !== 'ok');
      if (failed.length) {
        throw new Error(`${failed.length} instance syncs failed: ${failed[0].error}`);
      }
      const mean = (f: (o: (typeof report.outcomes)[number]) => number) =>
        round(report.outcomes.reduce((a, o) => a + f(o), 0) / report.outcomes.length);
      const used = process.cpuUsage(cpu);
      lastSplit = {
        fetch: mean((o) => o.fetchMs ?? 0),
        database: mean((o) => o.durationMs - (o.fetchMs ?? 0)),
        backend_cpu_share: round((used.user + used.system) / 1000 / (performance.now() - t)),
        machine_cores_busy: round((machineBusyMs() - machine) / (performance.now() - t)),
      };
      return performance.now() - t;
    };
    let lastSplit = { fetch: 0, database: 0, backend_cpu_share: 0, machine_cores_busy: 0 };
    const historyBench = new HistoryBench(db, log, {
      instances: shape.instances,
      backendsPerInstance: shape.backends,
      serversPerBackend: shape.servers,
      pollingIntervalSec: 60,
      retention: {
        rawRetentionMs: env.metricsRawRetentionHours * HOUR,
        rollup5mRetentionMs: env.metrics5mRetentionDays * DAY,
        rollup1hRetentionMs: env.metricsRetentionDays * DAY,
      },
      changesPerServerPerDay: Number(process.env.BENCH_CHANGES_PER_SERVER_PER_DAY ?? 1),
      serviceUrl: service.url,
      token: 'bench-admin-token-0123456789abcdef',
    });
    await historyBench.prepare();

    const fetchFloorMs = await fetchFloor(agent.url);
    const coldMs = await cycle();
    const beforeSteady = await writeSnapshot(db);
    const steadyMs = await cycle();
    const steadySplit = lastSplit;
    const steadyWrites = writeDelta(beforeSteady, await writeSnapshot(db));
    const changed = Math.round(shape.instances * shape.backends * shape.servers * 0.01);
    await flip(agent.child, changed);
    const beforeChanged = await writeSnapshot(db);
    const changedMs = await cycle();
    const changedWrites = writeDelta(beforeChanged, await writeSnapshot(db));
    const insertFloorMs = await insertFloor(db);

    const [{ servers }] = await db.query(`SELECT count(*)::int AS servers FROM haproxy_servers`);
    const [{ history }] = await db.query(`SELECT count(*)::int AS history FROM haproxy_server_status_history`);

    const latencies: number[] = [];
    for (let n = 0; n < 300; n++) {
      const t = performance.now();
      const res = await fetch(`${service.url}/api/haproxy/summary`, {
        headers: { authorization: 'Bearer bench-admin-token-0123456789abcdef' },
      });
      await res.json();
      latencies.push(performance.now() - t);
    }
    latencies.sort((a, b) => a - b);
    const pct = (p: number) =>
      round(latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]);
    const historyResult = await historyBench.run(steadyWrites, changedWrites);
    const operationsResult = await runOperationBench(service);

    const result = {
      fleet: { ...shape, total_servers: shape.instances * shape.backends * shape.servers, stored_servers: servers },
      concurrency: { instances: SYNC_CONCURRENCY, fetches_per_instance: FETCH_CONCURRENCY },
      floors_ms: { http_fetch: round(fetchFloorMs), bulk_insert: round(insertFloorMs) },
      sync_ms: { cold: round(coldMs), steady: round(steadyMs), one_percent_changed: round(changedMs) },
      steady_over_fetch_floor: round(steadyMs / fetchFloorMs),
      steady_per_instance_mean_ms: steadySplit,
      changed_servers: changed,
      history_rows: history,
      summary_latency_ms: { p50: pct(50), p99: pct(99), max: round(latencies[latencies.length - 1]) },
      peak_rss_mb: round(process.resourceUsage().maxRSS / 1024),
      history: historyResult,
      operations: operationsResult,
      targets: {
        steady_over_fetch_floor: 1.5,
        cold_ms: 30_000,
        peak_rss_mb: 512,
        summary_p99_ms: 50,
        history_projected_disk_gb_30d: 20,
        status_timeline_24h_p95_ms: 50,
        status_counts_30d_fleet_p95_ms: 1000,
      },
    };
    console.log(JSON.stringify(result, null, 2));
  } finally {
    await service.stop();
    agent.child.kill();
    await embedded?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

const round = (n: number) => Math.round(n * 10) / 10;

/** Busy CPU time of the whole machine (all cores, all processes) from /proc/stat, in ms: is a cycle CPU-bound? */
function machineBusyMs(): number {
  const [cpu] = fs.readFileSync('/proc/stat', 'utf8').split('\n');
  const [user, nice, system, , , irq, softirq, steal] = cpu.split(/\s+/).slice(1).map(Number);
  return ((user + nice + system + irq + softirq + steal) * 1000) / 100; // USER_HZ is 100 on Linux
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
