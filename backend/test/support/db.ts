import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { openDatabase, openPool } from '../../src/db/data-source';
import { PoolDb } from '../../src/db/db';

export interface TestDatabase {
  url: string;
  ds: DataSource;
  /** The store's handle on the same pool. */
  pool: PoolDb;
  drop(): Promise<void>;
}

const adminUrl = () => {
  const url = process.env.TEST_PG_ADMIN_URL;
  if (!url) {
    throw new Error('TEST_PG_ADMIN_URL is not set: run the tests through jest (global setup starts PostgreSQL)');
  }
  return url;
};

async function admin<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: adminUrl() });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** A fresh database with the schema from the real migrations (`migrate: false`: empty, for a service to migrate). */
export async function createTestDatabase({ migrate = true } = {}): Promise<TestDatabase> {
  const name = `hpx_test_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  // Named apart from the service's sessions, which tests find by their application_name.
  const opts = { url: url.toString(), poolSize: 20, applicationName: 'test-support' };
  const ds = migrate ? await openDatabase(opts) : await openPool(opts);
  return {
    url: url.toString(),
    ds,
    pool: new PoolDb(ds),
    async drop() {
      if (ds.isInitialized) {
        await ds.destroy();
      }
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}
