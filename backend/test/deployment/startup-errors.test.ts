import http from 'node:http';
import { ConfigError } from '../../src/config';
import { freePort } from '../../src/demo/ports';
import { startService } from '../../src/service';
import { createTestDatabase, TestDatabase } from '../support/db';

/** A start that cannot go on says why in one line naming the variable to change, and leaves nothing running. */
const start = (databaseUrl: string, port = 0) =>
  startService({ databaseUrl, host: '127.0.0.1', port, enabled: false, logLevel: 'silent' }, {});

const withDatabase = (path: string, password?: string) => {
  const url = new URL(process.env.TEST_PG_ADMIN_URL!);
  url.pathname = path;
  if (password !== undefined) {
    url.password = password;
  }
  return url.toString();
};

test('a DATABASE_URL that cannot be used is named with why, without its password', async () => {
  const missing = start(withDatabase('/hpx_no_such_database'));
  await expect(missing).rejects.toThrow(ConfigError);
  await expect(missing).rejects.toThrow(
    /^DATABASE_URL: cannot use the database .*\/hpx_no_such_database: .*does not exist$/
  );

  const wrongPassword = start(withDatabase('/postgres', 'not-the-password-x9'));
  await expect(wrongPassword).rejects.toThrow(/^DATABASE_URL: .*password authentication failed/);
  await expect(wrongPassword).rejects.not.toThrow(/not-the-password-x9/);

  await expect(start(`postgres://u:p@127.0.0.1:${await freePort()}/x`)).rejects.toThrow(
    /^DATABASE_URL: cannot use the database u@127\.0\.0\.1:\d+\/x: connect ECONNREFUSED/
  );
});

describe('a PORT that is taken', () => {
  let db: TestDatabase;
  const taken = http.createServer();
  beforeAll(async () => {
    db = await createTestDatabase();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await new Promise((resolve) => taken.close(resolve));
    await db.drop();
  });

  test('is named, and the service closes every connection it had opened', async () => {
    const port = (taken.address() as { port: number }).port;
    const [{ since }] = await db.ds.query(`SELECT now() AS since`);
    await expect(start(db.url, port)).rejects.toThrow(
      new ConfigError(`PORT: 127.0.0.1:${port} is already in use (another instance?): stop it or set PORT.`)
    );
    // The service's sessions (pools, token notifications) are gone; this test's own are older. A session's
    // backend leaves pg_stat_activity a moment after its client hung up (longer on a busy machine): a leak stays.
    const left = () =>
      db.ds.query(
        `SELECT application_name FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_start >= $1`,
        [since]
      );
    for (let i = 0; i < 50 && (await left()).length > 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await left()).toEqual([]);
  });
});
