import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { PoolDb } from '../../src/db/db';
import { enableGrafanaRole, GRAFANA_ROLE } from '../../src/db/grafana-role';
import { createTestDatabase, TestDatabase } from '../support/db';
import { silentLog } from '../support/fixtures';

export const GRAFANA_TEST_PASSWORD = 'grafana-test-password-1234';

/** The database URL as Grafana's data source would use it: the read-only role and its password. */
export function grafanaUrl(dbUrl: string, password = GRAFANA_TEST_PASSWORD): string {
  const url = new URL(dbUrl);
  url.username = GRAFANA_ROLE;
  url.password = password;
  return url.toString();
}

/** Sets the role's password the way the service does at start; the role is cluster-wide, so retry a concurrent ALTER. */
export async function enableRoleForTests(ds: DataSource): Promise<void> {
  for (let attempt = 0; attempt < 10; attempt++) {
    if (await enableGrafanaRole(new PoolDb(ds), GRAFANA_TEST_PASSWORD, silentLog)) {
      return;
    }
    await new Promise((r) => setTimeout(r, 50 * (attempt + 1)));
  }
  throw new Error(`could not enable ${GRAFANA_ROLE}`);
}

export async function connectAsGrafana(dbUrl: string, password = GRAFANA_TEST_PASSWORD): Promise<Client> {
  const c = new Client({ connectionString: grafanaUrl(dbUrl, password) });
  await c.connect();
  return c;
}

/** A fresh database with the Grafana role enabled, and a connection as that role. */
export async function grafanaTestDatabase(): Promise<{ db: TestDatabase; grafana: Client; close(): Promise<void> }> {
  const db = await createTestDatabase();
  await enableRoleForTests(db.ds);
  const grafana = await connectAsGrafana(db.url);
  return {
    db,
    grafana,
    async close() {
      await grafana.end();
      await db.drop();
    },
  };
}
