import type { EventEmitter } from 'node:events';
import { types } from 'pg';
import { DataSource } from 'typeorm';
import { whileMigrating } from './advisory-lock';
import { PoolDb } from './db';
import { InitialSchema1764000000000 } from './migrations/1764000000000-InitialSchema';
import { MetricHistory1764000000001 } from './migrations/1764000000001-MetricHistory';
import { AlertingSupport1764000000002 } from './migrations/1764000000002-AlertingSupport';
import { TrustBoundaries1764000000003 } from './migrations/1764000000003-TrustBoundaries';
import { DataSafety1764000000004 } from './migrations/1764000000004-DataSafety';
import { ForgottenRemovals1764000000005 } from './migrations/1764000000005-ForgottenRemovals';
import { ServerStateModel1764000000006 } from './migrations/1764000000006-ServerStateModel';
import { GuardedOperations1764000000007 } from './migrations/1764000000007-GuardedOperations';
import { NaturalNameOrder1764000000017 } from './migrations/1764000000017-NaturalNameOrder';
import { ServerTextSearch1764000000018 } from './migrations/1764000000018-ServerTextSearch';
import { SyncFingerprints1764000000020 } from './migrations/1764000000020-SyncFingerprints';
import { AuditAppendOnly1764000000022 } from './migrations/1764000000022-AuditAppendOnly';
import { TokenAuthors1764000000023 } from './migrations/1764000000023-TokenAuthors';
import { TokenExpiry1764000000024 } from './migrations/1764000000024-TokenExpiry';
import { ServerTracks1764000000025 } from './migrations/1764000000025-ServerTracks';
import { RedundantServerIndexes1764000000026 } from './migrations/1764000000026-RedundantServerIndexes';
import { InPlaceStatusUpdates1764000000027 } from './migrations/1764000000027-InPlaceStatusUpdates';
import { AdminChanges1764000000028 } from './migrations/1764000000028-AdminChanges';
import { CallerIdempotencyKeys1764000000029 } from './migrations/1764000000029-CallerIdempotencyKeys';
import { OperationRetries1764000000030 } from './migrations/1764000000030-OperationRetries';
import { RampBaseWeight1764000000031 } from './migrations/1764000000031-RampBaseWeight';
import { ServerBackup1764000000032 } from './migrations/1764000000032-ServerBackup';
import { TokenChangeNotify1764000000021 } from './migrations/1764000000021-TokenChangeNotify';

// bigint ids and counts as JS numbers: exact up to 2^53, far beyond what these tables reach.
types.setTypeParser(types.builtins.INT8, (v) => Number(v));

export const migrations = [
  InitialSchema1764000000000,
  MetricHistory1764000000001,
  AlertingSupport1764000000002,
  TrustBoundaries1764000000003,
  DataSafety1764000000004,
  ForgottenRemovals1764000000005,
  ServerStateModel1764000000006,
  GuardedOperations1764000000007,
  NaturalNameOrder1764000000017,
  ServerTextSearch1764000000018,
  SyncFingerprints1764000000020,
  TokenChangeNotify1764000000021,
  AuditAppendOnly1764000000022,
  TokenAuthors1764000000023,
  TokenExpiry1764000000024,
  ServerTracks1764000000025,
  RedundantServerIndexes1764000000026,
  InPlaceStatusUpdates1764000000027,
  AdminChanges1764000000028,
  CallerIdempotencyKeys1764000000029,
  OperationRetries1764000000030,
  RampBaseWeight1764000000031,
  ServerBackup1764000000032,
];

export interface DataSourceOptions {
  url: string;
  poolSize?: number;
  applicationName?: string;
  /** PostgreSQL cancels a statement after this long (SQLSTATE 57014); unset = no limit. */
  statementTimeoutMs?: number;
  /** Sessions whose transactions cannot write: a pool for reads only. */
  readOnly?: boolean;
  /** How long a connection may stay unused before the pool closes it (pg's default: 10 s). */
  idleTimeoutMs?: number;
  /**
   * pg writes a statement at once, not after the previous one's answer (default on): what lets statements
   * that do not wait for each other share a round trip (db/db.ts ConnectionDb).
   */
  pipeline?: boolean;
}

/** TypeORM for the pool and the migrations; the schema comes only from migrations (`synchronize` stays off). */
export function createDataSource(opts: DataSourceOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: opts.url,
    entities: [], // no entities: the store (src/store) reaches the tables with typed SQL
    migrations,
    migrationsRun: false,
    synchronize: false,
    logging: false,
    extra: {
      max: opts.poolSize ?? 20,
      ...(opts.idleTimeoutMs !== undefined && { idleTimeoutMillis: opts.idleTimeoutMs }),
      // Connections kept open for minutes: a firewall between here and PostgreSQL must not drop them unseen.
      keepAlive: true,
      pipeline: opts.pipeline ?? true,
      application_name: opts.applicationName ?? 'haproxy-control',
      ...(opts.statementTimeoutMs !== undefined && { statement_timeout: opts.statementTimeoutMs }),
      ...(opts.readOnly && { options: '-c default_transaction_read_only=on' }),
    },
  });
}

/**
 * How long the service's pools keep an unused connection: longer than a sync interval and a dashboard's refresh.
 * With pg's 10 s, a sync every 60 s opened its connections again each cycle, and on new connections PostgreSQL
 * plans every prepared statement and loads its catalog caches again: a steady cycle after a pause took 1.5x one
 * run back to back (`npm run bench`, sync_ms.steady_after_pause).
 */
export const serviceIdleTimeoutMs = (pollingIntervalSec: number) => Math.max(5 * 60_000, 2 * pollingIntervalSec * 1000);

/** pg's Pool as TypeORM's Postgres driver keeps it. */
interface PgPool {
  on(event: 'connect', listener: (client: EventEmitter) => void): void;
  _clients?: EventEmitter[];
}

const ignoreClientError = () => undefined;

/**
 * Every connection of the pool keeps an 'error' listener for its whole life. pg's pool takes its own listener
 * off a connection it hands out, and TypeORM's query runner puts one on only while it holds the connection: an
 * error in between (seen when the embedded PostgreSQL was killed: 57P01 on a live connection of the main pool)
 * was an unhandled 'error' event that ended the process. Queries and the pool still get their errors.
 */
function keepClientErrorsHandled(ds: DataSource): void {
  const pool = (ds.driver as unknown as { master: PgPool }).master;
  pool.on('connect', (client) => client.on('error', ignoreClientError));
  for (const client of pool._clients ?? []) {
    client.on('error', ignoreClientError);
  }
}

/** A second pool on the same database (no migrations): e.g. the API's reads, small and with a statement timeout. */
export async function openPool(opts: DataSourceOptions): Promise<DataSource> {
  const ds = createDataSource(opts);
  await ds.initialize();
  keepClientErrorsHandled(ds);
  return ds;
}

export async function openDatabase(opts: DataSourceOptions): Promise<DataSource> {
  const ds = await openPool(opts);
  await new PoolDb(ds, null).connection((conn) =>
    whileMigrating(conn, () => ds.runMigrations({ transaction: 'each' }))
  );
  return ds;
}
