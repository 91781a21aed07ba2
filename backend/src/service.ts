import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import YAML from 'yaml';
import { createApp } from './api/app';
import { TokenStore } from './auth/tokens';
import { BulkCommands } from './commands/bulk';
import { ServerCommands } from './commands/server-command';
import { AppConfig, loadConfig } from './config';
import { openDatabase } from './db/data-source';
import { EmbeddedDatabase, startEmbeddedPostgres } from './db/embedded';
import { FagentClient } from './fagent/client';
import { createLogger, Logger } from './logger';
import { InstanceSync } from './sync/instance-sync';
import { SyncScheduler } from './sync/scheduler';

export interface RunningService {
  url: string;
  config: AppConfig;
  ds: DataSource;
  scheduler: SyncScheduler;
  client: FagentClient;
  log: Logger;
  stop(): Promise<void>;
}

export const OPENAPI_PATH = path.join(__dirname, '..', 'openapi.yaml');

/** Wires the service together: database (embedded when no DATABASE_URL), FAgent client, sync, HTTP API. */
export async function startService(overrides: Partial<AppConfig> = {}, env: NodeJS.ProcessEnv = process.env): Promise<RunningService> {
  const config = { ...loadConfig(env), ...overrides };
  const log = createLogger(config.logLevel);
  let embedded: EmbeddedDatabase | undefined;
  let url = config.databaseUrl;
  if (!url) {
    embedded = await startEmbeddedPostgres(config.dataDir, config.embeddedPgPort, log);
    url = embedded.url;
  }
  const ds = await openDatabase({ url, poolSize: Math.max(10, config.syncConcurrency + 5) });

  const tokens = new TokenStore(ds);
  if (config.bootstrapAdminToken) await tokens.ensureBootstrapAdmin(config.bootstrapAdminToken);

  const client = new FagentClient(
    {
      timeoutMs: config.requestTimeoutMs,
      maxRetries: config.maxRetries,
      retryDelayMs: config.retryBaseDelayMs,
      cacheTtlSec: config.cacheTtlSec,
      breakerThreshold: config.breakerThreshold,
      breakerResetTimeoutMs: config.breakerResetTimeoutMs,
      defaultToken: config.fagentToken,
    },
    (instanceId, state) => log.warn({ instance_id: instanceId, breaker: state }, 'circuit breaker state changed'),
  );
  const sync = new InstanceSync(ds, client, log, { fetchConcurrency: config.fetchConcurrency });
  const scheduler = new SyncScheduler(ds, sync, log, {
    pollingIntervalSec: config.pollingIntervalSec,
    concurrency: config.syncConcurrency,
    hostConcurrency: config.syncHostConcurrency,
  });
  const commands = new ServerCommands(ds, client, log);
  const app = createApp({
    ds,
    client,
    scheduler,
    commands,
    bulk: new BulkCommands(ds, commands),
    tokens,
    log,
    openapi: YAML.parse(fs.readFileSync(OPENAPI_PATH, 'utf8')),
    maxBodyBytes: config.maxBodyBytes,
  });

  const server = http.createServer(app.callback());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address() as { port: number };
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const serviceUrl = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`;
  if (config.enabled) scheduler.start();
  log.info({ url: serviceUrl, polling_interval_s: config.pollingIntervalSec, enabled: config.enabled, embedded_db: !!embedded }, 'HAProxy Control backend listening');

  let stopped = false;
  return {
    url: serviceUrl,
    config,
    ds,
    scheduler,
    client,
    log,
    async stop() {
      if (stopped) return;
      stopped = true;
      await scheduler.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      client.close();
      await ds.destroy();
      await embedded?.stop();
    },
  };
}
