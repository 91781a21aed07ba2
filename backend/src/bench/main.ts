#!/usr/bin/env node
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../config';
import { startEmbeddedPostgres } from '../db/embedded';
import { DAY, HOUR } from '../history/partitions';
import { createLogger, Logger } from '../logger';
import type { BenchProtocol, FleetShape } from './fleet-agent';
import { HistoryBench, writeDelta, writeSnapshot } from './history-bench';
import { runOperationBench } from './operation-bench';
import {
  BENCH_TOKEN,
  Cycle,
  dropDatabase,
  freshDatabase,
  percentile,
  round,
  SyncBench,
  SyncBenchOptions,
} from './sync-bench';

/**
 * `npm run bench`: sync throughput on a generated fleet (default 200 x 50 x 20 = 200,000 servers) over both
 * FAgent protocol paths (the seed's one request per backend, and one `/state` per instance), each against its
 * own floors measured in the same run, API latency with the fleet stored and while syncs run, and the metric
 * history. Prints JSON. `BENCH_SCALE=1`: the scale curve instead (50, 200 and 800 instances of the same shape).
 */
const shape: FleetShape = {
  instances: Number(process.env.BENCH_INSTANCES ?? 200),
  backends: Number(process.env.BENCH_BACKENDS ?? 50),
  servers: Number(process.env.BENCH_SERVERS ?? 20),
};
const SYNC_CONCURRENCY = Number(process.env.BENCH_SYNC_CONCURRENCY ?? 16);
const FETCH_CONCURRENCY = 8;
const READERS = 20;
const PROTOCOLS = (process.env.BENCH_PROTOCOL ?? 'seed,state').split(',') as BenchProtocol[];
const SCALE_INSTANCES = (process.env.BENCH_SCALE_INSTANCES ?? '50,200,800').split(',').map(Number);

/** Issue 11's goals. */
const TARGETS = {
  steady_over_fetch_floor: 1.2,
  one_percent_over_fetch_floor: 1.3,
  cold_over_fetch_and_insert_floors: 1.5,
  cold_ms: 30_000,
  peak_rss_mb: 512,
  summary_p99_ms: 50,
  summary_p99_under_sync_ms: 20,
  history_projected_disk_gb_30d: 20,
  status_timeline_24h_p95_ms: 50,
  status_counts_30d_fleet_p95_ms: 1000,
};

const goal = (measured: number, target: number) => ({ measured, target, met: measured <= target });

interface PathRun {
  fetchFloorMs: number;
  fetchFloorCpuMs: number;
  insertFloorMs: number;
  cold: Cycle;
  steady: Cycle;
  /** A steady cycle after a pause as long as pg keeps unused connections by default (only where asked for). */
  steadyAfterPause?: Cycle;
  changed: Cycle;
}

/**
 * A service syncs every minute by default, not back to back as the measured cycles run: one cycle after a pause
 * longer than pg's default 10 s of idle connections shows what a cycle finds in between (pools, caches).
 */
const PAUSE_S = 15;

/** The cycles of one path, each ratio against the floors of the same run. */
function pathFigures(r: PathRun) {
  return {
    floors_ms: { http_fetch: round(r.fetchFloorMs), bulk_insert: round(r.insertFloorMs) },
    sync_ms: {
      cold: round(r.cold.ms),
      steady: round(r.steady.ms),
      one_percent_changed: round(r.changed.ms),
      ...(r.steadyAfterPause && { steady_after_pause: round(r.steadyAfterPause.ms), pause_s: PAUSE_S }),
    },
    steady_over_fetch_floor: round2(r.steady.ms / r.fetchFloorMs),
    ...(r.steadyAfterPause && {
      steady_after_pause_over_fetch_floor: round2(r.steadyAfterPause.ms / r.fetchFloorMs),
    }),
    one_percent_over_fetch_floor: round2(r.changed.ms / r.fetchFloorMs),
    cold_over_fetch_and_insert_floors: round2(r.cold.ms / (r.fetchFloorMs + r.insertFloorMs)),
    // The backend's own CPU against the floor's: the ratio a busy machine moves least.
    backend_cpu_ms: {
      fetch_floor: round(r.fetchFloorCpuMs),
      cold: round(r.cold.cpuMs),
      steady: round(r.steady.cpuMs),
      one_percent_changed: round(r.changed.cpuMs),
    },
    steady_cpu_over_fetch_floor_cpu: round2(r.steady.cpuMs / r.fetchFloorCpuMs),
    per_instance_mean_ms: { cold: r.cold.split, steady: r.steady.split, one_percent_changed: r.changed.split },
    wal_mb: { cold: r.cold.walMb, steady: r.steady.walMb, one_percent_changed: r.changed.walMb },
  };
}

const round2 = (n: number) => Math.round(n * 100) / 100;

type CycleKind = 'cold' | 'steady' | 'one_percent_changed';

/** Runs per measured figure: the floor, the steady and the 1% cycle are each the median of this many. */
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));

/** The run with the median time of `runs` runs of `once` (one run's variance moved the ratios by 10-30%). */
async function median<T extends { ms: number }>(once: () => Promise<T>, runs = RUNS): Promise<T> {
  const all: T[] = [];
  for (let k = 0; k < runs; k++) {
    all.push(await once());
  }
  return all.sort((a, b) => a.ms - b.ms)[Math.floor(all.length / 2)];
}

/**
 * The cycles every path measures: fetch floor, cold, steady, 1% changed (each 1% cycle after a flip of its
 * own), insert floor. `around` wraps each measured cycle (e.g. to count what it wrote); `afterSteady` runs
 * between the steady and the changed ones.
 */
async function measurePath(
  bench: SyncBench,
  o: {
    around?: (kind: CycleKind, cycle: () => Promise<Cycle>) => Promise<Cycle>;
    afterSteady?: () => Promise<void>;
    /** Also measure one steady cycle after a pause of PAUSE_S. */
    pause?: boolean;
  } = {}
): Promise<PathRun & { changedServers: number }> {
  const measure = (kind: CycleKind) => (o.around ? o.around(kind, () => bench.cycle()) : bench.cycle());
  const floor = await median(() => bench.fetchFloor());
  const cold = await measure('cold');
  const steady = await median(() => measure('steady'));
  let steadyAfterPause: Cycle | undefined;
  if (o.pause) {
    await new Promise((resolve) => setTimeout(resolve, PAUSE_S * 1000));
    steadyAfterPause = await bench.cycle();
  }
  await o.afterSteady?.();
  const changedServers = Math.round(bench.totalServers * 0.01);
  const changed = await median(async () => {
    await bench.flip(changedServers);
    return measure('one_percent_changed');
  });
  const insertFloorMs = await bench.insertFloor();
  return {
    fetchFloorMs: floor.ms,
    fetchFloorCpuMs: floor.cpuMs,
    insertFloorMs,
    cold,
    steady,
    steadyAfterPause,
    changed,
    changedServers,
  };
}

async function summaryLatency(url: string, n: number) {
  const latencies: number[] = [];
  for (let k = 0; k < n; k++) {
    const t = performance.now();
    const res = await fetch(`${url}/api/haproxy/summary`, { headers: { authorization: `Bearer ${BENCH_TOKEN}` } });
    await res.json();
    latencies.push(performance.now() - t);
  }
  latencies.sort((a, b) => a - b);
  return {
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: round(latencies[latencies.length - 1]),
  };
}

/** The default run: every protocol path at one fleet size, the first path with the API and history figures. */
async function benchPaths(serverUrl: string, log: Logger) {
  const env = loadConfig();
  const options = (protocol: BenchProtocol, databaseUrl: string): SyncBenchOptions => ({
    shape,
    protocol,
    databaseUrl,
    syncConcurrency: SYNC_CONCURRENCY,
    fetchConcurrency: FETCH_CONCURRENCY,
  });
  const protocols: Record<
    string,
    ReturnType<typeof pathFigures> & { readers_during_sync: unknown; readers_on_api_replica_during_sync: unknown }
  > = {};
  let primary: Record<string, unknown> = {};
  const underSyncP99: number[] = [];
  const onReplicaP99: number[] = [];
  for (const [index, protocol] of PROTOCOLS.entries()) {
    const dbName = `hpx_bench_${protocol}`;
    const bench = await SyncBench.start(options(protocol, await freshDatabase(serverUrl, dbName)));
    try {
      const historyBench = new HistoryBench(bench.db, log, {
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
        serviceUrl: bench.service.url,
        token: BENCH_TOKEN,
      });
      await historyBench.prepare();
      const writes: Partial<Record<CycleKind, ReturnType<typeof writeDelta>>> = {};
      const readers: Record<string, unknown> = {};
      const onReplica: Record<string, unknown> = {};
      // Readers while a cycle runs: their latency, and the cycle's time beside them (do reads starve syncs?).
      // Asking the syncing service itself, or (`replicaUrl`) a replica that does not sync.
      const withReaders = async (kind: CycleKind, replicaUrl?: string) => {
        const { result, readers: r } = await bench.readersDuring(READERS, () => bench.cycle(), replicaUrl);
        if (replicaUrl) {
          // The event loop measured is the syncing one's, which these readers do not wait on.
          const { event_loop_delay_ms: _, ...own } = r;
          onReplica[kind] = { ...own, cycle_ms: round(result.ms) };
          onReplicaP99.push(r.p99);
        } else {
          readers[kind] = { ...r, cycle_ms: round(result.ms), syncs_at_once_fewest: result.fewestAtOnce };
          underSyncP99.push(r.p99);
        }
      };
      const run = await measurePath(bench, {
        around: async (kind, cycle) => {
          if (index > 0 || kind === 'cold') {
            return cycle();
          }
          const before = await writeSnapshot(bench.db);
          const measured = await cycle();
          writes[kind] = writeDelta(before, await writeSnapshot(bench.db));
          return measured;
        },
        afterSteady: () => withReaders('steady'),
        pause: true,
      });
      await bench.flip(run.changedServers);
      await withReaders('one_percent_changed');
      await bench.withApiReplica(async (url) => {
        await withReaders('steady', url);
        await bench.flip(run.changedServers);
        await withReaders('one_percent_changed', url);
      });
      protocols[protocol] = {
        ...pathFigures(run),
        readers_during_sync: readers,
        readers_on_api_replica_during_sync: onReplica,
      };
      if (index === 0) {
        const [{ servers }] = await bench.db.query(`SELECT count(*)::int AS servers FROM haproxy_servers`);
        const [{ history }] = await bench.db.query(
          `SELECT count(*)::int AS history FROM haproxy_server_status_history`
        );
        const figures = pathFigures(run);
        primary = {
          protocol,
          fleet: { ...shape, total_servers: bench.totalServers, stored_servers: servers },
          concurrency: { instances: SYNC_CONCURRENCY, fetches_per_instance: FETCH_CONCURRENCY },
          runs_per_figure: RUNS,
          floors_ms: figures.floors_ms,
          sync_ms: figures.sync_ms,
          steady_over_fetch_floor: figures.steady_over_fetch_floor,
          steady_per_instance_mean_ms: run.steady.split,
          changed_servers: run.changedServers,
          history_rows: history,
          summary_latency_ms: await summaryLatency(bench.service.url, 300),
          history: await historyBench.run(writes.steady!, writes.one_percent_changed!),
          operations: await runOperationBench(bench.service),
        };
      }
    } finally {
      await bench.stop();
      await dropDatabase(serverUrl, dbName);
    }
  }
  const peakRss = round(process.resourceUsage().maxRSS / 1024);
  const goals: Record<string, ReturnType<typeof goal>> = {};
  for (const [protocol, p] of Object.entries(protocols)) {
    goals[`${protocol}.steady_over_fetch_floor`] = goal(p.steady_over_fetch_floor, TARGETS.steady_over_fetch_floor);
    goals[`${protocol}.one_percent_over_fetch_floor`] = goal(
      p.one_percent_over_fetch_floor,
      TARGETS.one_percent_over_fetch_floor
    );
    goals[`${protocol}.cold_over_fetch_and_insert_floors`] = goal(
      p.cold_over_fetch_and_insert_floors,
      TARGETS.cold_over_fetch_and_insert_floors
    );
  }
  goals.peak_rss_mb = goal(peakRss, TARGETS.peak_rss_mb);
  goals.summary_p99_under_sync_ms = goal(Math.max(...underSyncP99), TARGETS.summary_p99_under_sync_ms);
  goals.summary_p99_under_sync_on_api_replica_ms = goal(Math.max(...onReplicaP99), TARGETS.summary_p99_under_sync_ms);
  return { ...primary, peak_rss_mb: peakRss, protocols, goals, targets: TARGETS };
}

/** BENCH_SCALE=1: the same shape at 50, 200 and 800 instances; is the cost per server flat or falling? */
async function benchScale(serverUrl: string) {
  const points: Array<
    ReturnType<typeof pathFigures> & {
      protocol: BenchProtocol;
      instances: number;
      us_per_server: { fetch_floor: number; cold: number; steady: number; one_percent_changed: number };
      servers: number;
      database_mb: number;
      wall_s: number;
    }
  > = [];
  for (const instances of SCALE_INSTANCES) {
    for (const protocol of PROTOCOLS) {
      const dbName = `hpx_bench_scale`;
      const started = performance.now();
      const bench = await SyncBench.start({
        shape: { ...shape, instances },
        protocol,
        databaseUrl: await freshDatabase(serverUrl, dbName),
        syncConcurrency: SYNC_CONCURRENCY,
        fetchConcurrency: FETCH_CONCURRENCY,
      });
      try {
        const run = await measurePath(bench);
        const [{ bytes }] = await bench.db.query<{ bytes: string }>(
          `SELECT pg_database_size(current_database())::text AS bytes`
        );
        const perServer = (ms: number) => round2((ms * 1000) / bench.totalServers);
        points.push({
          protocol,
          instances,
          servers: bench.totalServers,
          ...pathFigures(run),
          us_per_server: {
            fetch_floor: perServer(run.fetchFloorMs),
            cold: perServer(run.cold.ms),
            steady: perServer(run.steady.ms),
            one_percent_changed: perServer(run.changed.ms),
          },
          database_mb: Math.round(Number(bytes) / 1024 / 1024),
          wall_s: round((performance.now() - started) / 1000),
        });
      } finally {
        await bench.stop();
        await dropDatabase(serverUrl, dbName);
      }
    }
  }
  // Flat or falling: the largest fleet's steady cost per server within 10% of the smallest's (timing noise).
  const trend = Object.fromEntries(
    PROTOCOLS.map((protocol) => {
      const mine = points.filter((p) => p.protocol === protocol);
      const [first, last] = [mine[0], mine[mine.length - 1]];
      return [
        protocol,
        {
          steady_us_per_server: mine.map((p) => p.us_per_server.steady),
          one_percent_us_per_server: mine.map((p) => p.us_per_server.one_percent_changed),
          cold_us_per_server: mine.map((p) => p.us_per_server.cold),
          flat_or_falling: last.us_per_server.steady <= first.us_per_server.steady * 1.1,
        },
      ];
    })
  );
  return {
    shape: { backends: shape.backends, servers: shape.servers },
    runs_per_figure: RUNS,
    points,
    cost_per_server: trend,
  };
}

async function main() {
  const log = createLogger('warn');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hpx-bench-'));
  fs.chmodSync(tmp, 0o777);
  const env = loadConfig();
  const embedded = env.databaseUrl
    ? undefined
    : await startEmbeddedPostgres(tmp, 20000 + Math.floor(Math.random() * 20000), log);
  const machine = { cores: os.cpus().length, load_before: os.loadavg().map(round2) };
  try {
    const serverUrl = env.databaseUrl ?? embedded!.url;
    const result = process.env.BENCH_SCALE === '1' ? await benchScale(serverUrl) : await benchPaths(serverUrl, log);
    console.log(JSON.stringify({ ...result, machine: { ...machine, load_after: os.loadavg().map(round2) } }, null, 2));
  } finally {
    await embedded?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
