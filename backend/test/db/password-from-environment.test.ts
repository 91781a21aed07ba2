import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { openPool } from '../../src/db/data-source';

/**
 * docker-compose.yaml gives the backend a DATABASE_URL without a password and the password in PGPASSWORD, so a
 * password with URL syntax in it (@ : / # ? %) needs no encoding. The service's pools must then connect.
 */
const adminUrl = process.env.TEST_PG_ADMIN_URL!;
const role = `pw_probe_${randomBytes(4).toString('hex')}`;
const password = `p@ss:w/rd#?%${randomBytes(4).toString('hex')}`;

async function asAdmin(sql: string): Promise<void> {
  const c = new Client({ connectionString: adminUrl });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** The test database's URL for `role`, with no password in it. */
function urlWithoutPassword(): string {
  const url = new URL(adminUrl);
  url.username = role;
  url.password = '';
  return url.toString();
}

beforeAll(() => asAdmin(`CREATE ROLE ${role} LOGIN PASSWORD '${password.replace(/'/g, "''")}'`));
afterAll(() => asAdmin(`DROP ROLE IF EXISTS ${role}`));
afterEach(() => {
  delete process.env.PGPASSWORD;
});

test('a DATABASE_URL without a password connects with PGPASSWORD, whatever URL syntax the password holds', async () => {
  process.env.PGPASSWORD = password;
  const ds = await openPool({ url: urlWithoutPassword(), poolSize: 1 });
  try {
    const [row] = await ds.query('SELECT current_user AS who');
    expect(row.who).toBe(role);
  } finally {
    await ds.destroy();
  }
});

test('with a wrong PGPASSWORD the same URL is refused (the server checks passwords, so the test above means something)', async () => {
  process.env.PGPASSWORD = 'wrong';
  await expect(openPool({ url: urlWithoutPassword(), poolSize: 1 })).rejects.toThrow(/password/);
});
