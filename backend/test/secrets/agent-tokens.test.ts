import { randomBytes } from 'node:crypto';
import type { AppConfig } from '../../src/config';
import { keyId, SecretBox } from '../../src/secrets/secret-box';
import { startService } from '../../src/service';
import { createTestDatabase, TestDatabase } from '../support/db';
import { FakeFagent } from '../support/fake-fagent';

/** Agent tokens at rest under SECRETS_KEY: encrypted at start and when written, opened only to call the agent. */
let db: TestDatabase;
let agent: FakeFagent;
const k1 = randomBytes(32);
const k2 = randomBytes(32);
const ADMIN = 'secrets-test-admin-token-0123456789';

beforeAll(async () => {
  db = await createTestDatabase();
  agent = await new FakeFagent().start();
  agent.setBackend('main', 'web', [{ name: 's1', status: 'UP' }]);
  agent.setBackend('other', 'web', [{ name: 's1', status: 'UP' }]);
});
afterAll(async () => {
  await agent?.stop();
  await db?.drop();
});

async function withService<T>(
  keys: Partial<AppConfig>,
  work: (call: (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any }>) => Promise<T>
): Promise<T> {
  const service = await startService({
    databaseUrl: db.url,
    port: 0,
    enabled: false,
    logLevel: 'silent',
    bootstrapAdminToken: ADMIN,
    maxRetries: 0,
    ...keys,
  });
  try {
    return await work(async (method, path, body) => {
      const res = await fetch(service.url + path, {
        method,
        headers: { authorization: `Bearer ${ADMIN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    });
  } finally {
    await service.stop();
  }
}

const storedTokens = async () =>
  Object.fromEntries(
    (
      await db.pool.query<{ name: string; fagent_token: string }>(`SELECT name, fagent_token FROM hosts ORDER BY name`)
    ).map((r) => [r.name, r.fagent_token])
  );

/** Syncs an instance and returns the Authorization header the agent got. */
async function tokenSent(call: Parameters<Parameters<typeof withService>[1]>[0], instanceId: number) {
  const before = agent.requests.length;
  const sync = await call('POST', `/api/haproxy/instances/${instanceId}/sync?wait=true`);
  const sent = agent.requests.slice(before).map((r) => r.authorization);
  return { status: sync.body.status as string, error: sync.body.error as string | null, sent: [...new Set(sent)] };
}

let hostA: number;
let instanceA: number;
let instanceB: number;

test('without a key, tokens are stored as given (the state before SECRETS_KEY)', async () => {
  await withService({}, async (call) => {
    hostA = (
      await call('POST', '/api/hosts', { name: 'a', address: 'a', fagent_url: agent.url, fagent_token: 'token-a' })
    ).body.id;
    instanceA = (await call('POST', '/api/haproxy/instances', { host_id: hostA, name: 'main' })).body.id;
    expect(await tokenSent(call, instanceA)).toEqual({ status: 'ok', error: null, sent: ['Bearer token-a'] });
  });
  expect(await storedTokens()).toEqual({ a: 'token-a' });
});

test('with SECRETS_KEY: plain rows encrypted at start, new ones when written; the agent still gets the clear token', async () => {
  await withService({ secretsKey: k1 }, async (call) => {
    expect((await storedTokens()).a).toMatch(`aes256gcm:v1:${keyId(k1)}:`);
    expect(await tokenSent(call, instanceA)).toEqual({ status: 'ok', error: null, sent: ['Bearer token-a'] });

    const b = (
      await call('POST', '/api/hosts', { name: 'b', address: 'b', fagent_url: agent.url, fagent_token: 'token-b' })
    ).body;
    expect(b).toMatchObject({ has_fagent_token: true });
    expect(JSON.stringify(b)).not.toMatch(/token-b|aes256gcm/);
    instanceB = (await call('POST', '/api/haproxy/instances', { host_id: b.id, name: 'other' })).body.id;
    const stored = await storedTokens();
    expect(stored.b).toMatch(`aes256gcm:v1:${keyId(k1)}:`);
    expect(JSON.stringify(stored)).not.toMatch(/token-[ab]/);
    expect(await tokenSent(call, instanceB)).toMatchObject({ status: 'ok', sent: ['Bearer token-b'] });

    await call('PATCH', `/api/hosts/${b.id}`, { fagent_token: 'token-b2' });
    expect(new SecretBox({ current: k1 }).open((await storedTokens()).b)).toBe('token-b2');
    expect(await tokenSent(call, instanceB)).toMatchObject({ sent: ['Bearer token-b2'] });
  });
});

test('a wrong key stops the start with a clear error naming the hosts and keys, and nothing is sent', async () => {
  const before = agent.requests.length;
  const rows = await storedTokens();
  const start = () => startService({ databaseUrl: db.url, port: 0, enabled: true, logLevel: 'silent', secretsKey: k2 });
  await expect(start()).rejects.toThrow(
    `Agent tokens that cannot be decrypted: host "a" (${hostA}): encrypted with key ${keyId(k1)}, which is neither SECRETS_KEY (${keyId(k2)}) nor SECRETS_KEY_PREVIOUS;`
  );
  await expect(startService({ databaseUrl: db.url, port: 0, logLevel: 'silent' })).rejects.toThrow(
    /encrypted with key [0-9a-f]{8}, but SECRETS_KEY is not set\. Set SECRETS_KEY to the key they were encrypted with/
  );
  expect(agent.requests.length).toBe(before);
  expect(await storedTokens()).toEqual(rows);
});

test('rotation: with SECRETS_KEY_PREVIOUS every token moves under the new key at start; then the old key may go', async () => {
  await withService({ secretsKey: k2, secretsKeyPrevious: k1 }, async (call) => {
    const stored = await storedTokens();
    expect(Object.values(stored).every((t) => t.startsWith(`aes256gcm:v1:${keyId(k2)}:`))).toBe(true);
    expect(await tokenSent(call, instanceA)).toMatchObject({ sent: ['Bearer token-a'] });
  });
  await withService({ secretsKey: k2 }, async (call) => {
    expect(await tokenSent(call, instanceB)).toMatchObject({ status: 'ok', sent: ['Bearer token-b2'] });
  });
});

test('a token that cannot be opened at run time (written by a replica with another key) is never sent', async () => {
  await withService({ secretsKey: k2 }, async (call) => {
    const foreign = new SecretBox({ current: k1 }).seal('token-a');
    await db.pool.execute(`UPDATE hosts SET fagent_token = $1 WHERE id = $2`, [foreign, hostA]);
    const { status, error, sent } = await tokenSent(call, instanceA);
    expect(status).toBe('failed');
    expect(error).toMatch(/^agent token encrypted with key [0-9a-f]{8}, which is neither SECRETS_KEY .* was not sent$/);
    expect(sent).toEqual([]);
    const instance = await call('GET', `/api/haproxy/instances/${instanceA}`);
    expect(instance.body).toMatchObject({ last_sync_error: error, breaker_state: 'closed' });
  });
});

test('a token that starts like an encrypted value is refused: stored in clear, it would stop every later start', async () => {
  const own = await createTestDatabase();
  const start = () =>
    startService({ databaseUrl: own.url, port: 0, enabled: false, logLevel: 'silent', bootstrapAdminToken: ADMIN });
  try {
    let service = await start();
    const call = (method: string, path: string, body: unknown) =>
      fetch(service.url + path, {
        method,
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then(async (res) => ({ status: res.status, body: (await res.json()) as any }));
    const lookalike = `aes256gcm:v1:${keyId(k1)}:AAAA`;
    try {
      const created = await call('POST', '/api/hosts', {
        name: 'lookalike',
        address: 'x',
        fagent_url: agent.url,
        fagent_token: lookalike,
      });
      expect(created.status).toBe(400);
      expect(created.body.error.message).toMatch(/^fagent_token: must be the agent’s token in clear/);
      const host = await call('POST', '/api/hosts', { name: 'plain', address: 'x', fagent_url: agent.url });
      expect((await call('PATCH', `/api/hosts/${host.body.id}`, { fagent_token: lookalike })).status).toBe(400);
    } finally {
      await service.stop();
    }
    service = await start(); // nothing stored that a start cannot read
    await service.stop();
  } finally {
    await own.drop();
  }
});

test('"Test agent" takes a token in clear only: an encrypted value is never opened and sent to the URL tested', async () => {
  await withService({ secretsKey: k2, secretsKeyPrevious: k1 }, async (call) => {
    const sealed = (await storedTokens()).b;
    expect(sealed).toMatch(`aes256gcm:v1:${keyId(k2)}:`);
    const before = agent.requests.length;
    const test = await call('POST', '/api/hosts/test', {
      fagent_url: agent.url,
      fagent_token: sealed,
      instances: ['other'],
    });
    expect(agent.requests.slice(before).map((r) => r.authorization)).toEqual([]);
    expect(test.status).toBe(400);
    expect(test.body.error.message).toMatch(/^fagent_token: must be the agent’s token in clear/);
  });
});
