import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { configuredTokens, TokenStore } from '../../src/auth/tokens';
import { parseTokenCommand } from '../../src/cli/tokens';
import { ConfigError, loadConfig } from '../../src/config';
import { startService } from '../../src/service';
import { createTestDatabase, TestDatabase } from '../support/db';

/** Tokens from the environment (BOOTSTRAP_*) across restarts, and the tokens CLI. */
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db?.drop());

const V = (n: number) => `configured-token-value-${n}-0123456789`;

async function withService<T>(env: Record<string, string>, work: (call: Caller) => Promise<T>): Promise<T> {
  const service = await startService({ databaseUrl: db.url, port: 0, enabled: false, logLevel: 'silent' }, env);
  try {
    return await work(async (token, headers = {}) => {
      const res = await fetch(`${service.url}/api/me`, { headers: { authorization: `Bearer ${token}`, ...headers } });
      return { status: res.status, body: await res.json() };
    });
  } finally {
    await service.stop();
  }
}
type Caller = (token: string, headers?: Record<string, string>) => Promise<{ status: number; body: any }>;

test('the configured tokens by name, role and Grafana flag', () => {
  const c = loadConfig({
    BOOTSTRAP_ADMIN_TOKEN: V(1),
    BOOTSTRAP_GRAFANA_VIEWER_TOKEN: V(2),
    BOOTSTRAP_GRAFANA_ADMIN_TOKEN: V(3),
  });
  expect(configuredTokens(c)).toEqual([
    { name: 'bootstrap-admin', role: 'admin', grafana: false, token: V(1), variable: 'BOOTSTRAP_ADMIN_TOKEN' },
    { name: 'grafana-viewer', role: 'viewer', grafana: true, token: V(2), variable: 'BOOTSTRAP_GRAFANA_VIEWER_TOKEN' },
    { name: 'grafana-admin', role: 'admin', grafana: true, token: V(3), variable: 'BOOTSTRAP_GRAFANA_ADMIN_TOKEN' },
  ]);
});

test('one value for two configured tokens is a configuration error naming both', () => {
  expect(() => loadConfig({ BOOTSTRAP_ADMIN_TOKEN: V(1), BOOTSTRAP_GRAFANA_OPERATOR_TOKEN: V(1) })).toThrow(
    /BOOTSTRAP_GRAFANA_OPERATOR_TOKEN: must differ from BOOTSTRAP_ADMIN_TOKEN/
  );
  expect(() => loadConfig({ BOOTSTRAP_GRAFANA_VIEWER_TOKEN: 'short' })).toThrow(ConfigError);
});

test("a configured token is one a client can send: a secret file's line end is dropped, spaces or non-ASCII refused", () => {
  const c = loadConfig({ BOOTSTRAP_ADMIN_TOKEN: `${V(1)}\n`, BOOTSTRAP_GRAFANA_VIEWER_TOKEN: ` ${V(2)}\r\n` });
  expect(configuredTokens(c).map((t) => t.token)).toEqual([V(1), V(2)]);
  expect(loadConfig({ METRICS_TOKEN: `${V(3)}\n` }).metricsToken).toBe(V(3));
  for (const [variable, value] of [
    ['BOOTSTRAP_ADMIN_TOKEN', 'configured token with spaces 0123456789'],
    ['BOOTSTRAP_GRAFANA_ADMIN_TOKEN', `${V(4)}\u00e9`],
    ['BOOTSTRAP_GRAFANA_OPERATOR_TOKEN', `${V(5)}\u0000`],
    ['METRICS_TOKEN', `${V(6)}\tx`],
  ]) {
    expect(() => loadConfig({ [variable]: value })).toThrow(
      new RegExp(`${variable}: must be printable ASCII without spaces`)
    );
  }
});

test('created at the first start; a Grafana token carries the flag, and only it is believed about the user', async () => {
  await withService(
    {
      BOOTSTRAP_ADMIN_TOKEN: V(1),
      BOOTSTRAP_GRAFANA_VIEWER_TOKEN: V(2),
      BOOTSTRAP_GRAFANA_OPERATOR_TOKEN: V(3),
      BOOTSTRAP_GRAFANA_ADMIN_TOKEN: V(4),
    },
    async (me) => {
      const user = { 'X-Grafana-User': 'dave' };
      expect((await me(V(1), user)).body).toEqual({
        token_name: 'bootstrap-admin',
        role: 'admin',
        grafana: false,
        actor: 'token:bootstrap-admin',
        expires_at: null,
      });
      for (const [value, role] of [
        [V(2), 'viewer'],
        [V(3), 'operator'],
        [V(4), 'admin'],
      ]) {
        expect((await me(value, user)).body).toEqual({
          token_name: `grafana-${role}`,
          role,
          grafana: true,
          actor: 'grafana:dave',
          expires_at: null,
        });
      }
    }
  );
});

test('revoking a configured token sticks across restarts, even with a new value; an active one follows its variable', async () => {
  const store = new TokenStore(db.pool);
  expect(await store.revoke('bootstrap-admin')).toBe(true);
  expect(await store.revoke('grafana-viewer')).toBe(true);
  await withService(
    {
      BOOTSTRAP_ADMIN_TOKEN: V(1),
      BOOTSTRAP_GRAFANA_VIEWER_TOKEN: V(12),
      BOOTSTRAP_GRAFANA_OPERATOR_TOKEN: V(13), // rotated
      BOOTSTRAP_GRAFANA_ADMIN_TOKEN: V(4),
    },
    async (me) => {
      expect((await me(V(1))).status).toBe(401);
      expect((await me(V(2))).status).toBe(401);
      expect((await me(V(12))).status).toBe(401);
      expect((await me(V(3))).status).toBe(401);
      expect((await me(V(13))).body).toMatchObject({ token_name: 'grafana-operator', grafana: true });
      expect((await me(V(4))).status).toBe(200);
    }
  );
  const rows = await store.list();
  expect(rows.filter((r) => r.revoked_at).map((r) => r.name)).toEqual(['bootstrap-admin', 'grafana-viewer']);
});

test("values swapped between configured tokens follow their variables; another token's value is refused by name", async () => {
  // After the test above: operator V(13), admin V(4); bootstrap-admin and grafana-viewer revoked.
  const env = { BOOTSTRAP_GRAFANA_OPERATOR_TOKEN: V(4), BOOTSTRAP_GRAFANA_ADMIN_TOKEN: V(13) };
  await withService(env, async (me) => {
    expect((await me(V(4))).body).toMatchObject({ token_name: 'grafana-operator', role: 'operator' });
    expect((await me(V(13))).body).toMatchObject({ token_name: 'grafana-admin', role: 'admin' });
  });
  const store = new TokenStore(db.pool);
  await store.create('deploy-bot', 'operator', { token: V(20) });
  const started = withService({ ...env, BOOTSTRAP_GRAFANA_ADMIN_TOKEN: V(20) }, async () => undefined);
  await expect(started).rejects.toThrow(ConfigError);
  await expect(started).rejects.toThrow(
    'BOOTSTRAP_GRAFANA_ADMIN_TOKEN: its value is already the value of the API token "deploy-bot"'
  );
  // Nothing changed: the refused start left every token as it was.
  await withService(env, async (me) => {
    expect((await me(V(13))).body).toMatchObject({ token_name: 'grafana-admin' });
    expect((await me(V(20))).body).toMatchObject({ token_name: 'deploy-bot' });
  });
});

describe('the tokens CLI', () => {
  const cli = (...args: string[]) =>
    promisify(execFile)(
      process.execPath,
      [
        '-r',
        path.join(__dirname, '../support/ts-register.js'),
        path.join(__dirname, '../../src/cli/tokens.ts'),
        ...args,
      ],
      { env: { ...process.env, DATABASE_URL: db.url, LOG_LEVEL: 'silent' } }
    );

  test('parses create with --grafana, revoke and list, and refuses anything else', () => {
    expect(parseTokenCommand(['create', 'g', 'operator', '--grafana'])).toEqual({
      cmd: 'create',
      name: 'g',
      role: 'operator',
      grafana: true,
    });
    expect(parseTokenCommand(['create', '--grafana', 'g', 'viewer'])).toMatchObject({ grafana: true, role: 'viewer' });
    expect(parseTokenCommand(['create', 'bot', 'operator'])).toMatchObject({ grafana: false });
    expect(parseTokenCommand(['list'])).toEqual({ cmd: 'list' });
    expect(parseTokenCommand(['revoke', 'bot'])).toEqual({ cmd: 'revoke', name: 'bot' });
    expect(parseTokenCommand(['create', 'bot', 'root'])).toMatch(/role must be one of viewer, operator, admin/);
    expect(parseTokenCommand(['create', 'bot', 'viewer', '--grafna'])).toMatch(/unknown option --grafna/);
    expect(parseTokenCommand(['revoke', 'bot', '--grafana'])).toMatch(/unknown option/);
    expect(parseTokenCommand(['create', 'bot'])).toMatch(/role must be/);
    expect(parseTokenCommand(['list', 'extra'])).toMatch(/expected create, revoke or list/);
    expect(parseTokenCommand([])).toMatch(/expected/);
  });

  test('create takes a name as the API does: trimmed, no control characters, at most 100 characters', () => {
    expect(parseTokenCommand(['create', '  deploy-bot \n', 'operator'])).toMatchObject({ name: 'deploy-bot' });
    expect(parseTokenCommand(['create', 'deploy\tbot', 'operator'])).toMatch(
      /^name must not contain control characters/
    );
    expect(parseTokenCommand(['create', 'deploy\nbot', 'operator'])).toMatch(/control characters/);
    expect(parseTokenCommand(['create', '   ', 'operator'])).toMatch(/^name must not be empty/);
    expect(parseTokenCommand(['create', 'x'.repeat(101), 'operator'])).toMatch(/^name must be at most 100 characters/);
    expect(parseTokenCommand(['create', 'x'.repeat(100), 'operator'])).toMatchObject({ name: 'x'.repeat(100) });
  });

  test('create --grafana makes a token whose X-Grafana-User is believed; list shows which kind each is', async () => {
    const grafana = (await cli('create', 'cli-grafana', 'operator', '--grafana')).stdout.trim();
    const plain = (await cli('create', 'cli-plain', 'operator')).stdout.trim();
    expect(grafana).toMatch(/^hpx_[A-Za-z0-9_-]{43}$/);
    const list = (await cli('list')).stdout.split('\n');
    expect(list.find((l) => l.startsWith('cli-grafana\t'))).toMatch(/^cli-grafana\toperator\tgrafana\tactive\t/);
    expect(list.find((l) => l.startsWith('cli-plain\t'))).toMatch(
      /^cli-plain\toperator\tapi\tactive\tcreated by cli\t/
    );
    expect(list.find((l) => l.startsWith('grafana-viewer\t'))).toMatch(
      /\tgrafana\trevoked by cli\tcreated by config\t/
    );
    await withService({}, async (me) => {
      expect((await me(grafana, { 'X-Grafana-User': 'erin' })).body.actor).toBe('grafana:erin');
      expect((await me(plain, { 'X-Grafana-User': 'erin' })).body.actor).toBe('token:cli-plain');
    });
  });

  test('list says expired of a token past its end, which is refused like a revoked one', async () => {
    const store = new TokenStore(db.pool);
    const { token } = await store.create('cli-ended', 'viewer', { expiresAt: new Date(Date.now() - 1000) });
    await store.create('cli-later', 'viewer', { expiresAt: new Date(Date.now() + 86_400_000) });
    const list = (await cli('list')).stdout.split('\n');
    expect(list.find((l) => l.startsWith('cli-ended\t'))).toMatch(/^cli-ended\tviewer\tapi\texpired\t/);
    expect(list.find((l) => l.startsWith('cli-later\t'))).toMatch(/^cli-later\tviewer\tapi\tactive\t/);
    await withService({}, async (me) => expect((await me(token)).status).toBe(401));
  });

  test('create with a name already taken, by a revoked token too, says so and exits 1', async () => {
    await cli('create', 'cli-taken', 'viewer');
    await cli('revoke', 'cli-taken');
    await expect(cli('create', 'cli-taken', 'operator')).rejects.toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'a token named "cli-taken" already exists (revoked ones keep their name): choose another\n',
    });
  });

  test('bad arguments print the usage and exit 2', async () => {
    await expect(cli('create', 'x', 'superuser')).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--grafana'),
    });
  });
});
