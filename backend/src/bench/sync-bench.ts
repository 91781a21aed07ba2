import { ChildProcess, fork } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { mapLimited } from '../concurrency/limiter';
import type { PoolDb } from '../db/db';
import { startReplicaProcess } from '../replica-process';
import { RunningService, startService } from '../service';
import type { CycleReport } from '../sync/scheduler';
import { backendName, BenchProtocol, FleetShape, instanceName } from './fleet-agent';
import type { LoadReport } from './summary-load';

/**
 * One protocol path of `npm run bench` on a database of its own: a fake agent speaking that protocol, the
 * service syncing a generated fleet from it, the floors of the same run, and readers of the summary.
 */

export const BENCH_TOKEN = 'bench-admin-token-0123456789abcdef';

/** How long the summary's readers poll before the cycle starts and their latencies count. */
const READERS_WARM_MS = 1000;

export interface SyncBenchOptions {
  shape: FleetShape;
  protocol: BenchProtocol;
  /** A database of its own for this path (created, migrated by the service). */
  databaseUrl: string;
  syncConcurrency: number;
  fetchConcurrency: number;
}

/** Where one cycle's time went: mean per instance, and how busy the machine was. */
export interface CycleSplit {
  fetch: number;
  database: number;
  backend_cpu_share: number;
  /** Share of the cycle the service's event loop was busy: near 1, the main thread is what bounds the cycle. */
  event_loop_busy: number;
  machine_cores_busy: number;
  /** CPU time the cycle took, in ms: this process (the service and its threads), PostgreSQL, the fake agent. */
  cpu_ms: { service: number; postgres: number; agent: number };
}

export interface Cycle {
  ms: number;
  /** CPU time of this process (the backend) during the cycle: unlike `ms`, hardly moved by a busy machine. */
  cpuMs: number;
  split: CycleSplit;
  /** WAL PostgreSQL wrote during the cycle: what "write only what changed" saves. */
  walMb: number;
  /** The fewest instance syncs it ran at once: fewer than SYNC_CONCURRENCY while the API's readers waited. */
  fewestAtOnce: number;
}

export const round = (n: number) => Math.round(n * 10) / 10;
const round2 = (n: number) => Math.round(n * 100) / 100;

/** A percentile of sorted values. */
export const percentile = (sorted: readonly number[], p: number) =>
  sorted.length === 0 ? 0 : round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]);

/** Creates (or re-creates) the database `name` on the server of `url` and answers its URL. */
export async function freshDatabase(url: string, name: string): Promise<string> {
  const admin = new Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function dropDatabase(url: string, name: string): Promise<void> {
  const admin = new Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

function forkChild(file: string, args: string[]): ChildProcess {
  return fork(path.join(__dirname, file), args, { stdio: 'inherit' });
}

const reply = <T>(child: ChildProcess, message: unknown) =>
  new Promise<T>((resolve) => {
    child.once('message', (m) => resolve(m as T));
    child.send(message as never);
  });

/** Busy CPU time of the whole machine (all cores, all processes) from /proc/stat, in ms: is a cycle CPU-bound? */
function machineBusyMs(): number {
  const [cpu] = fs.readFileSync('/proc/stat', 'utf8').split('\n');
  const [user, nice, system, , , irq, softirq, steal] = cpu.split(/\s+/).slice(1).map(Number);
  return ((user + nice + system + irq + softirq + steal) * 1000) / 100; // USER_HZ is 100 on Linux
}

/**
 * CPU time (user + system, ms) of the processes whose /proc/<pid>/comm is `name`, or of `pid` alone, with that of
 * their children that ended: PostgreSQL's postmaster reaps its backends, so one that exits during a cycle is not
 * lost from the sum (without it, a cycle could read a negative time).
 */
function cpuMsOf(which: { name: string } | { pid: number }): number {
  const pids =
    'pid' in which
      ? [String(which.pid)]
      : fs.readdirSync('/proc').filter((d) => {
          try {
            return /^\d+$/.test(d) && fs.readFileSync(`/proc/${d}/comm`, 'utf8').trim() === which.name;
          } catch {
            return false; // ended meanwhile
          }
        });
  let ticks = 0;
  for (const pid of pids) {
    try {
      // Fields after the command's closing parenthesis: utime, stime, cutime and cstime are the 12th to 15th.
      const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    } catch {
      // ended meanwhile
    }
  }
  return (ticks * 1000) / 100; // USER_HZ
}

export class SyncBench {
  private constructor(
    readonly o: SyncBenchOptions,
    readonly service: RunningService,
    readonly agent: ChildProcess,
    readonly agentUrl: string
  ) {}

  get db(): PoolDb {
    return this.service.db;
  }

  get totalServers(): number {
    return this.o.shape.instances * this.o.shape.backends * this.o.shape.servers;
  }

  static async start(o: SyncBenchOptions): Promise<SyncBench> {
    const agent = forkChild('fleet-agent.js', [JSON.stringify(o.shape), o.protocol]);
    const { port } = await new Promise<{ port: number }>((resolve) => agent.once('message', resolve as never));
    const agentUrl = `http://127.0.0.1:${port}`;
    const service = await startService(
      {
        databaseUrl: o.databaseUrl,
        port: 0,
        enabled: false,
        logLevel: 'warn',
        bootstrapAdminToken: BENCH_TOKEN,
        cacheTtlSec: 0,
        syncConcurrency: o.syncConcurrency,
        fetchConcurrency: o.fetchConcurrency,
      },
      {}
    ).catch((err) => {
      agent.kill();
      throw err;
    });
    const [host] = await service.db.query<{ id: number }>(
      `INSERT INTO hosts (name, address, fagent_url) VALUES ('bench-agent', '127.0.0.1', $1) RETURNING id`,
      [agentUrl]
    );
    await service.db.query(
      `INSERT INTO haproxy_instances (host_id, name) SELECT $1, 'bench-' || g FROM generate_series(0, $2 - 1) g`,
      [host.id, o.shape.instances]
    );
    // One agent serves the whole fleet here, so the per-host limit must not be the bottleneck.
    Object.assign((service.scheduler as unknown as { opts: object }).opts, {
      hostConcurrency: o.syncConcurrency,
      replicaSkipMs: 0,
    });
    return new SyncBench(o, service, agent, agentUrl);
  }

  async stop(): Promise<void> {
    await this.service.stop();
    this.agent.kill();
  }

  /**
   * `work` with a replica of the service on the same database whose scheduler is off (replica-process.ts),
   * given its URL: what readers see when Grafana's requests do not share a process with the syncs.
   */
  async withApiReplica<T>(work: (url: string) => Promise<T>): Promise<T> {
    const replica = await startReplicaProcess(this.o.databaseUrl, {
      bootstrapAdminToken: BENCH_TOKEN,
      logLevel: 'warn',
    });
    try {
      return await work(replica.url);
    } finally {
      await replica.stop();
    }
  }

  /** Changes the status of `n` servers spread evenly over the fleet. */
  flip(n: number): Promise<void> {
    return reply(this.agent, { flip: n });
  }

  /** One sync cycle of the whole fleet, every instance required to succeed. */
  async cycle(): Promise<Cycle> {
    const machine = machineBusyMs();
    const cpu = process.cpuUsage();
    const [postgres, agent] = [cpuMsOf({ name: 'postgres' }), cpuMsOf({ pid: this.agent.pid! })];
    const loop = performance.eventLoopUtilization();
    const [{ lsn }] = await this.db.query<{ lsn: string }>(`SELECT pg_current_wal_lsn()::text AS lsn`);
    const t = performance.now();
    const report: CycleReport = await this.service.scheduler.runCycle();
    const ms = performance.now() - t;
    const loopBusy = performance.eventLoopUtilization(loop).utilization;
    const failed = report.outcomes.filter((o) => o.status !== 'ok');
    if (failed.length) {
      throw new Error(`${failed.length} instance syncs failed: ${failed[0].error}`);
    }
    const [{ wal }] = await this.db.query<{ wal: string }>(
      `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::text AS wal`,
      [lsn]
    );
    const mean = (f: (o: (typeof report.outcomes)[number]) => number) =>
      round(report.outcomes.reduce((a, o) => a + f(o), 0) / report.outcomes.length);
    const used = process.cpuUsage(cpu);
    return {
      ms,
      cpuMs: (used.user + used.system) / 1000,
      split: {
        fetch: mean((o) => o.fetchMs ?? 0),
        database: mean((o) => o.durationMs - (o.fetchMs ?? 0)),
        backend_cpu_share: round((used.user + used.system) / 1000 / ms),
        event_loop_busy: round2(loopBusy),
        machine_cores_busy: round((machineBusyMs() - machine) / ms),
        cpu_ms: {
          service: Math.round((used.user + used.system) / 1000),
          postgres: Math.round(cpuMsOf({ name: 'postgres' }) - postgres),
          agent: Math.round(cpuMsOf({ pid: this.agent.pid! }) - agent),
        },
      },
      walMb: round2(Number(wal) / 1024 / 1024),
      fewestAtOnce: report.fewestAtOnce,
    };
  }

  /**
   * The fetch floor: the same HTTP requests at the same concurrency as the sync (per instance: /state, or
   * /backends then each backend's /servers), only fetched and parsed; its time and this process's CPU time.
   */
  async fetchFloor(): Promise<{ ms: number; cpuMs: number }> {
    const { shape, syncConcurrency, fetchConcurrency } = this.o;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
    const get = (p: string) =>
      new Promise<unknown>((resolve, reject) => {
        http
          .get(this.agentUrl + p, { agent }, (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c) => chunks.push(c));
            res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
          })
          .on('error', reject);
      });
    const cpu = process.cpuUsage();
    const t = performance.now();
    await mapLimited([...Array(shape.instances).keys()], syncConcurrency, async (i) => {
      if (this.o.protocol === 'state') {
        await get(`/api/haproxy/${instanceName(i)}/state`);
        return;
      }
      await get(`/api/haproxy/${instanceName(i)}/backends`);
      await mapLimited([...Array(shape.backends).keys()], fetchConcurrency, (b) =>
        get(`/api/haproxy/${instanceName(i)}/backends/${backendName(b)}/servers`)
      );
    });
    const ms = performance.now() - t;
    const used = process.cpuUsage(cpu);
    agent.destroy();
    return { ms, cpuMs: (used.user + used.system) / 1000 };
  }

  /** The insert floor: one bulk insert of as many server rows, into a scratch table shaped like haproxy_servers. */
  async insertFloor(): Promise<number> {
    await this.db.query(
      `CREATE TABLE IF NOT EXISTS bench_floor (LIKE haproxy_servers INCLUDING DEFAULTS INCLUDING INDEXES)`
    );
    const t = performance.now();
    await this.db.query(
      `INSERT INTO bench_floor (backend_id, server_name, address, status, raw_status, weight, current_sessions, max_sessions)
       SELECT g / 20, 'srv_' || (g % 20), '10.0.0.1:8080', 'UP', 'UP', 100, 0, 1000 FROM generate_series(1, $1) g`,
      [this.totalServers]
    );
    const ms = performance.now() - t;
    await this.db.query(`DROP TABLE bench_floor`);
    return ms;
  }

  /**
   * `clients` readers of the summary (in a child process) while `during` runs: do reads and syncs starve each
   * other? They poll for READERS_WARM_MS first; answers their latencies while `during` ran, and what it answered.
   * They ask this service (which runs the cycles) unless given another replica's `url`.
   */
  async readersDuring<T>(clients: number, during: () => Promise<T>, url = this.service.url) {
    const load = forkChild('summary-load.js', [JSON.stringify({ url, token: BENCH_TOKEN, clients })]);
    // The service runs in this process: how long its event loop was held (by the sync's parsing and planning)
    // is what a reader waits beyond its queries.
    const loop = monitorEventLoopDelay({ resolution: 5 });
    try {
      await reply(load, 'start');
      await new Promise((r) => setTimeout(r, READERS_WARM_MS));
      await reply(load, 'measure');
      loop.enable();
      const result = await during();
      loop.disable();
      const report = await reply<LoadReport>(load, 'stop');
      const sorted = [...report.latenciesMs].sort((a, b) => a - b);
      return {
        result,
        readers: {
          clients,
          requests: report.requests,
          failed: report.failed,
          p50: percentile(sorted, 50),
          p99: percentile(sorted, 99),
          max: round(sorted[sorted.length - 1] ?? 0),
          event_loop_delay_ms: { p99: round(loop.percentile(99) / 1e6), max: round(loop.max / 1e6) },
        },
      };
    } finally {
      load.kill();
    }
  }
}
