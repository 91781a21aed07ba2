import { types } from 'pg';
import { DataSource } from 'typeorm';
import { InitialSchema1764000000000 } from './migrations/1764000000000-InitialSchema';
import { MetricHistory1764000000001 } from './migrations/1764000000001-MetricHistory';
import { AlertingSupport1764000000002 } from './migrations/1764000000002-AlertingSupport';
import { DataSafety1764000000004 } from './migrations/1764000000004-DataSafety';
import { ServerStateModel1764000000006 } from './migrations/1764000000006-ServerStateModel';

// bigint ids and counts as JS numbers: exact up to 2^53, far beyond what these tables reach.
types.setTypeParser(types.builtins.INT8, (v) => Number(v));

export const migrations = [
  InitialSchema1764000000000,
  MetricHistory1764000000001,
  AlertingSupport1764000000002,
  DataSafety1764000000004,
  ServerStateModel1764000000006,
];

export interface DataSourceOptions {
  url: string;
  poolSize?: number;
  applicationName?: string;
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
    extra: { max: opts.poolSize ?? 20, application_name: opts.applicationName ?? 'haproxy-control' },
  });
}

export async function openDatabase(opts: DataSourceOptions): Promise<DataSource> {
  const ds = createDataSource(opts);
  await ds.initialize();
  await ds.runMigrations({ transaction: 'each' });
  return ds;
}
