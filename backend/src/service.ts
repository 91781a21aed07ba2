import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import YAML from 'yaml';
import { BreakerStateRecorder } from './alerting/breaker-state';
import { createApp } from './api/app';
import { TOKEN_CHANNEL, TokenCache } from './auth/token-cache';
import { configuredTokens, TokenStore } from './auth/tokens';
import { BulkCommands } from './commands/bulk';
import { DisruptionBudgets } from './commands/disruption-budget';
import { DrainWaiter } from './commands/drain-wait';
import { PendingActionSweeper } from './commands/pending-sweeper';
import { ServerCommands } from './commands/server-command';
import { AppConfig, ConfigError, loadConfig } from './config';
import { DatabaseHealth } from './db/database-health';
import { openDatabase, openPool, serviceIdleTimeoutMs } from './db/data-source';
import { PoolDb, StatementNames } from './db/db';
import { isDatabaseUnavailable } from './db/unavailable';
import { EmbeddedDatabase, startEmbeddedPostgres } from './db/embedded';
import { enableGrafanaRole } from './db/grafana-role';
import { FagentClient } from './fagent/client';
import { FleetCounts } from './fleet/fleet-counts';
import { HistoryMaintenance } from './history/maintenance';
import { HOUR, DAY } from './history/partitions';
import { closeGracefully } from './http/graceful-close';
import { listen } from './http/listen';
import { HistoryQuery } from './history/query';
import { MaintenanceWindows } from './intent/maintenance-windows';
import { Reconciler } from './intent/reconciler';
import { createLogger, Logger } from './logger';
import { metricsOnApiPort, startMetricsServer } from './metrics/http';
import { ServiceMetrics } from './metrics/service-metrics';
import { OperationCallbacks } from './operations/callback';
import { Operations } from './operations/operations';
import { OperationWorker } from './operations/worker';
import { sealStoredAgentTokens } from './secrets/agent-tokens';
import { SecretBox } from './secrets/secret-box';
import { recordDefaultBudget } from './store/budgets';
import { InstanceSync } from './sync/instance-sync';
import { SyncScheduler } from './sync/scheduler';
import { ReaderPriority } from './sync/reader-priority';

/** How long a stop waits for the API's requests in flight (a command normally takes milliseconds). */
const SHUTDOWN_GRACE_MS = 10_000;

export interface RunningService {
  url: string;
  health: DatabaseHealth;
  config: AppConfig;
  /** How the service reaches PostgreSQL (the store's handle). */
  db: PoolDb;
  /** The API's reads: a small pool, read-only, with API_STATEMENT_TIMEOUT. */
  readDb: PoolDb;
  /** TypeORM's DataSource under it (pool and migrations), for tools and tests that read tables directly. */
  ds: DataSource;
  scheduler: SyncScheduler;
  client: FagentClient;
  log: Logger;
  metrics: ServiceMetrics;
  /** Maintenance windows (tests drive its tick with their own clock). */
  windows: MaintenanceWindows;
  /** This replica's runner of drain and ready jobs. */
  operationWorker: OperationWorker;
  /** What the summary reads, cached a second (tests drop it to make the summary read). */
  fleetCounts: FleetCounts;
  /** Where Prometheus scrapes: the API port (token required) or METRICS_PORT (open). */
  metricsUrl: string;
  stop(): Promise<void>;
}

export const OPENAPI_PATH = path.join(__dirname, '..', 'openapi.yaml');

/** Wires the service together: database (embedded when no DATABASE_URL), FAgent client, sync, HTTP API. */
export async function startService(
  overrides: Partial<AppConfig> = {},
  env: NodeJS.ProcessEnv = process.env,
  /** What to do when the embedded database cannot be restarted (main.ts: exit non-zero). */
  onFatal?: (reason: string) => void
): Promise<RunningService> {
  const config = { ...loadConfig(env), ...overrides };
  const log = createLogger(config.logLevel);
  let embedded: EmbeddedDatabase | undefined;
  let url = config.databaseUrl;
  if (!url) {
    embedded = await startEmbeddedPostgres(config.dataDir, config.embeddedPgPort, log);
    url = embedded.url;
  }
  const idleTimeoutMs = serviceIdleTimeoutMs(config.pollingIntervalSec);
  const ds = await openDatabase({
    url,
    poolSize: Math.max(10, config.syncConcurrency + 5),
    idleTimeoutMs,
    pipeline: config.pipeline,
  }).catch((err: Error & { code?: string }) => {
    throw config.databaseUrl && (isDatabaseUnavailable(err) || LOGIN_REFUSED.has(err.code ?? ''))
      ? databaseUrlProblem(config.databaseUrl, err)
      : err;
  });
  const names = config.preparedStatements ? new StatementNames() : null;
  const db = new PoolDb(ds, names);

  const configured = new TokenStore(db);
  const secrets = new SecretBox({ current: config.secretsKey, previous: config.secretsKeyPrevious });
  try {
    for (const name of await configured.ensureConfigured(configuredTokens(config))) {
      log.warn(
        { token_name: name },
        'a configured token was revoked and stays revoked: create a new one with the tokens CLI'
      );
    }
    await sealStoredAgentTokens(db, secrets, log);
  } catch (err) {
    // Nothing runs yet: leave nothing running (the embedded PostgreSQL above all) and say why.
    await ds.destroy();
    await embedded?.stop();
    throw err;
  }
  if (config.grafanaDbPassword) {
    await enableGrafanaRole(db, config.grafanaDbPassword, log);
  }
  // The API's reads on a small pool of their own with a statement timeout: heavy trend queries can neither hold
  // the connections that syncs and commands need nor run without end.
  const readDs = await openPool({
    url,
    poolSize: config.readPoolSize,
    applicationName: 'haproxy-control-api-read',
    idleTimeoutMs,
    statementTimeoutMs: config.apiStatementTimeoutMs,
    readOnly: true,
    pipeline: config.pipeline,
  });
  const readDb = new PoolDb(readDs, names);
  // Token checks that miss the cache, on six connections of their own: they wait neither for the connections the
  // syncs hold through their agent reads nor behind a heavy trend query.
  const authDs = await openPool({
    url,
    poolSize: 6,
    applicationName: 'haproxy-control-auth',
    idleTimeoutMs,
    statementTimeoutMs: config.apiStatementTimeoutMs,
    readOnly: true,
    pipeline: config.pipeline,
  });
  const tokenCache = new TokenCache(
    url,
    (payload) => db.query(`SELECT pg_notify($1, $2)`, [TOKEN_CHANNEL, payload]),
    log
  );
  await tokenCache.start();
  const authDb = new PoolDb(authDs, names);
  const tokens = new TokenStore(db, { checks: authDb, cache: tokenCache, log });
  const breakerStates = new BreakerStateRecorder(db, log);
  await breakerStates.resetAll();

  const client = new FagentClient(
    {
      timeoutMs: config.requestTimeoutMs,
      maxRetries: config.maxRetries,
      retryDelayMs: config.retryBaseDelayMs,
      cacheTtlSec: config.cacheTtlSec,
      breakerThreshold: config.breakerThreshold,
      breakerResetTimeoutMs: config.breakerResetTimeoutMs,
      defaultToken: config.fagentToken,
      maxBodyBytes: config.fagentMaxBodyBytes,
      maxServersPerBackend: config.fagentMaxServersPerBackend,
      maxBackendsPerInstance: config.fagentMaxBackendsPerInstance,
      allowedNetworks: config.fagentAllowedNetworks,
      ca: config.fagentCa,
      secrets,
      decodeThreads: config.decodeThreads,
      decodeNice: config.decodeNice,
    },
    (instanceId, state) => {
      log.warn({ instance_id: instanceId, breaker: state }, 'circuit breaker state changed');
      breakerStates.record(instanceId, state); // for the "breaker open" alert rule, which reads PostgreSQL
    }
  );
  // A take-out's mark lasts as long as the command claim: a command that dies without an outcome frees both.
  const budgets = new DisruptionBudgets(db, config.minAvailable, 2 * config.syncDeadlineMs + 10_000);
  const metrics = new ServiceMetrics(db, client.breakers, budgets, {
    perServer: config.metricsPerServer,
    serverInstances: config.metricsServerInstances,
  });
  const fleetCounts = new FleetCounts(readDb);
  await recordDefaultBudget(db, config.minAvailable);
  const commands = new ServerCommands(db, client, log, {
    deadlineMs: config.syncDeadlineMs,
    budgets,
    // Re-applies and window ends change the counts too, not only the API's commands.
    onResult: (command, result) => {
      metrics.observeCommand(command, result);
      fleetCounts.invalidate();
    },
  });
  const reconciler = new Reconciler(db, commands, log, { concurrency: config.fetchConcurrency });
  const sync = new InstanceSync(db, client, log, {
    fetchConcurrency: config.fetchConcurrency,
    deadlineMs: config.syncDeadlineMs,
    removals: { maxShare: config.removalMaxShare, confirmSyncs: config.removalConfirmSyncs },
    reapply: (serverIds) => reconciler.reapply(serverIds),
  });
  const readers =
    config.syncReaderLagMs > 0 ? new ReaderPriority({ lagMs: config.syncReaderLagMs, min: 2 }) : undefined;
  const scheduler = new SyncScheduler(db, sync, log, {
    pollingIntervalSec: config.pollingIntervalSec,
    concurrency: config.syncConcurrency,
    hostConcurrency: config.syncHostConcurrency,
    // Every sync, scheduled or manual, goes through the scheduler: counted for /metrics, and it may change the
    // summary. A manual sync's result shows at once; during a cycle the summary follows within its TTL and is
    // dropped at the cycle's end: dropped after each of hundreds of syncs, every summary would wait for a recount.
    onSynced: (o, { scheduled }) => {
      metrics.observeSync(o);
      if (!scheduled) {
        fleetCounts.invalidate();
      }
    },
    onCycle: () => fleetCounts.expire(),
    readers,
  });
  // A window's end is a command: its claim lasts as long as the command's, so no other replica takes it meanwhile.
  const windows = new MaintenanceWindows(db, commands, log, {
    intervalMs: config.windowCheckIntervalMs,
    leaseMs: commands.claimLeaseMs,
  });
  windows.start();
  const callbacks = new OperationCallbacks({
    allowedNetworks: config.fagentAllowedNetworks,
    timeoutMs: config.requestTimeoutMs,
  });
  const operationWorker = new OperationWorker(db, commands, budgets, client, callbacks, log, {
    pollMs: config.operationPollMs,
    leaseMs: config.operationLeaseMs,
    retryMs: config.operationRetryMs,
    concurrency: config.fetchConcurrency,
  });
  operationWorker.start();
  // A command's agent part ends within its deadline: a row pending for twice that lost its completion.
  const sweeper = new PendingActionSweeper(db, log, { staleAfterMs: 2 * config.syncDeadlineMs, intervalMs: 60_000 });
  sweeper.start();
  // Probed on the small pool of the token checks: syncs holding every connection of the main pool through their
  // agent reads are no reason to call the database unreachable (or the service unready).
  const health = new DatabaseHealth(authDb, log, { checkIntervalMs: 5000, embedded, onFatal });
  health.start();
  // /metrics on the API port behind a token, unless it has a port of its own.
  const metricsRoute =
    config.metricsPort === undefined ? metricsOnApiPort(metrics, tokens, config.metricsToken) : undefined;
  const app = createApp(
    {
      db,
      readDb,
      client,
      scheduler,
      readers,
      commands,
      windows,
      bulk: new BulkCommands(db, commands),
      budgets,
      operations: new Operations(db, budgets),
      drainWaiter: new DrainWaiter(db, client),
      fleetCounts,
      history: new HistoryQuery(readDb),
      health,
      tokens,
      secrets,
      log,
      openapi: YAML.parse(fs.readFileSync(OPENAPI_PATH, 'utf8')),
      maxBodyBytes: config.maxBodyBytes,
    },
    { metrics: metricsRoute }
  );

  const server = http.createServer(app.callback());
  let metricsServer: Awaited<ReturnType<typeof startMetricsServer>> | undefined;
  const history = new HistoryMaintenance(db, log, {
    rawRetentionMs: config.metricsRawRetentionHours * HOUR,
    rollup5mRetentionMs: config.metrics5mRetentionDays * DAY,
    rollup1hRetentionMs: config.metricsRetentionDays * DAY,
  });
  // One stop, however often asked (a signal and a supervisor's message, say): every caller waits for its end.
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= stopAll());
  const stopAll = async () => {
    // First: a bulk or a job in flight sends no more, so what was sent is recorded before the database closes.
    commands.stop();
    health.stop();
    sweeper.stop();
    // Requests in flight finish while the background work stops: both need the database and the agents.
    await Promise.all([
      closeGracefully(server, SHUTDOWN_GRACE_MS),
      // All at once: one after the other, each would go on acting while the one before ended its command in
      // flight, and a stop would take the sum of their deadlines.
      windows.stop(),
      operationWorker.stop().then(() => callbacks.close()),
      scheduler.stop(),
      history.stop(),
    ]);
    await metricsServer?.close();
    client.close();
    await breakerStates.flush();
    await tokens.settled();
    await tokenCache.stop();
    await authDs.destroy();
    await readDs.destroy();
    await ds.destroy();
    await embedded?.stop();
  };
  try {
    await listen(server, config.host, config.port).catch((err: NodeJS.ErrnoException) => {
      throw listenProblem(err, 'PORT', config.host, config.port);
    });
    if (config.metricsPort !== undefined) {
      metricsServer = await startMetricsServer(metrics, config.metricsHost, config.metricsPort, log).catch(
        (err: NodeJS.ErrnoException) => {
          throw listenProblem(err, 'METRICS_PORT', config.metricsHost, config.metricsPort!);
        }
      );
    }
  } catch (err) {
    // Nothing is served: stop what already runs (jobs, windows, the embedded PostgreSQL) and say why.
    await stop();
    throw err;
  }
  const address = server.address() as { port: number };
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const serviceUrl = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`;
  const metricsUrl = `${metricsServer?.url ?? serviceUrl}/metrics`;
  if (config.enabled) {
    scheduler.start();
    history.start(config.metricsMaintenanceCron);
  }
  log.info(
    {
      url: serviceUrl,
      polling_interval_s: config.pollingIntervalSec,
      enabled: config.enabled,
      embedded_db: !!embedded,
      metrics: metricsUrl,
    },
    'HAProxy Control backend listening'
  );

  return {
    url: serviceUrl,
    health,
    config,
    db,
    readDb,
    ds,
    scheduler,
    client,
    log,
    metrics,
    windows,
    operationWorker,
    fleetCounts,
    metricsUrl,
    stop,
  };
}

/** A port that cannot be bound, said with the variable to change rather than a stack. */
function listenProblem(err: NodeJS.ErrnoException, variable: string, host: string, port: number): Error {
  const where = `${host}:${port}`;
  switch (err.code) {
    case 'EADDRINUSE':
      return new ConfigError(
        `${variable}: ${where} is already in use (another instance?): stop it or set ${variable}.`
      );
    case 'EACCES':
      return new ConfigError(`${variable}: ${where} needs privileges this process lacks: use a port above 1023.`);
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new ConfigError(`${variable}: cannot listen on ${where}: ${host} is not an address of this machine.`);
    default:
      return err;
  }
}

/** PostgreSQL reached but refusing this login or database (beside isDatabaseUnavailable: not reached at all). */
const LOGIN_REFUSED = new Set([
  '28P01', // password authentication failed
  '28000', // no pg_hba.conf entry
  '3D000', // database does not exist
]);

/** DATABASE_URL names a database that cannot be used: say which (without its password) and why. */
function databaseUrlProblem(databaseUrl: string, err: Error): ConfigError {
  const u = new URL(databaseUrl);
  const where = `${u.username ? `${decodeURIComponent(u.username)}@` : ''}${u.host}${u.pathname}`;
  return new ConfigError(`DATABASE_URL: cannot use the database ${where}: ${err.message}`);
}
