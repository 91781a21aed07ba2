import { BreakerOpenError, FagentError } from '../../src/fagent/errors';
import { FakeFagent, on } from '../support/fake-fagent';
import { testClient } from '../support/fixtures';

let agent: FakeFagent;
beforeAll(async () => {
  agent = await new FakeFagent().start();
  agent.setBackend('main', 'web', [{ name: 'w1', status: 'UP' }]);
});
afterAll(() => agent.stop());
beforeEach(() => {
  agent.clearFaults();
  agent.requests.length = 0;
});

const target = (instanceId = 1, token?: string) => ({ instanceId, instanceName: 'main', baseUrl: agent.url, token });
const count = () => agent.requests.length;

describe('retries', () => {
  test('network errors and 5xx are retried with backoff, up to MAX_RETRIES', async () => {
    const client = testClient({ maxRetries: 2 });
    agent.inject(on.backends(), { kind: 'status', status: 503 }, 2);
    await expect(client.getBackends(target())).resolves.toEqual(['web']);
    expect(count()).toBe(3);
    agent.inject(on.backends(), { kind: 'status', status: 500 });
    agent.requests.length = 0;
    await expect(client.getBackends(target())).rejects.toThrow(/HTTP 500/);
    expect(count()).toBe(3);
    client.close();
  });

  test.each([
    ['a 4xx', { kind: 'status' as const, status: 404 }],
    ['a malformed answer', { kind: 'body' as const, body: { success: true, backends: 'web' } }],
    ['invalid JSON', { kind: 'invalid-json' as const }],
  ])('%s is not retried', async (_l, fault) => {
    const client = testClient({ maxRetries: 3 });
    agent.inject(on.backends(), fault);
    await expect(client.getBackends(target())).rejects.toBeInstanceOf(FagentError);
    expect(count()).toBe(1);
    client.close();
  });

  test('commands are never retried (a timed-out drain may have been applied)', async () => {
    const client = testClient({ maxRetries: 3 });
    agent.inject(on.command(), { kind: 'status', status: 502 });
    await expect(client.command(target(), 'web', 'w1', 'drain')).rejects.toThrow(/HTTP 502/);
    expect(count()).toBe(1);
    client.close();
  });

  test('a hanging agent times out', async () => {
    const client = testClient({ timeoutMs: 200 });
    agent.inject(on.backends(), { kind: 'hang' });
    const started = Date.now();
    await expect(client.getBackends(target())).rejects.toMatchObject({ kind: 'timeout' });
    expect(Date.now() - started).toBeLessThan(2000);
    // On a busy machine the client can give up before the agent has even read the request: wait for it,
    // so it is not counted in the next test.
    for (const deadline = Date.now() + 5000; count() === 0 && Date.now() < deadline;) {
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(count()).toBe(1);
    client.close();
  });
});

test('the bearer token is sent: per host, else the default', async () => {
  const client = testClient({ defaultToken: 'default-tok' });
  await client.getBackends(target(1));
  await client.getBackends(target(2, 'host-tok'));
  expect(agent.requests.map((r) => r.authorization)).toEqual(['Bearer default-tok', 'Bearer host-tok']);
  client.close();
});

describe('cache', () => {
  test('answers are served from the cache within the TTL; fresh reads bypass it; a command invalidates', async () => {
    const client = testClient({ cacheTtlSec: 30 });
    await client.getBackends(target());
    await client.getServers(target(), 'web');
    await client.getBackends(target());
    await client.getServers(target(), 'web');
    expect(count()).toBe(2);
    expect(client.cache.stats().hits).toBe(2);
    await client.getBackends(target(), { fresh: true });
    expect(count()).toBe(3);
    await client.command(target(), 'web', 'w1', 'drain');
    expect((await client.getServers(target(), 'web'))[0].status).toBe('DRAIN');
    expect(count()).toBe(5);
    client.close();
  });

  test('instances are cached separately and a failed answer is never cached', async () => {
    const client = testClient({ cacheTtlSec: 30 });
    agent.inject(on.backends(), { kind: 'status', status: 404 }, 1);
    await expect(client.getBackends(target(1))).rejects.toThrow();
    await client.getBackends(target(1));
    await client.getBackends(target(2));
    client.cache.invalidate(1);
    await client.getBackends(target(1));
    await client.getBackends(target(2));
    expect(count()).toBe(4);
    client.close();
  });
});

describe('circuit breaker', () => {
  const failingOp = () => Promise.reject(new FagentError('network', 'down'));

  test('opens after THRESHOLD consecutive failures, fails fast while open, half-opens after the timeout and closes on success', async () => {
    const client = testClient({ breakerThreshold: 3, breakerResetTimeoutMs: 250 });
    const b = client.breakers;
    for (let n = 0; n < 2; n++) {
      await expect(b.run(7, failingOp)).rejects.toThrow('down');
    }
    expect(b.state(7)).toBe('closed');
    await expect(b.run(7, failingOp)).rejects.toThrow('down');
    expect(b.state(7)).toBe('open');
    let called = false;
    await expect(
      b.run(7, async () => {
        called = true;
      })
    ).rejects.toBeInstanceOf(BreakerOpenError);
    expect(called).toBe(false);
    expect(b.state(8)).toBe('closed'); // another instance is not affected
    await new Promise((r) => setTimeout(r, 300));
    expect(b.state(7)).toBe('half_open');
    await expect(b.run(7, async () => 'ok')).resolves.toBe('ok');
    expect(b.state(7)).toBe('closed');
    client.close();
  });

  test('a failed trial in half-open opens it again; a success in between resets the count', async () => {
    const client = testClient({ breakerThreshold: 2, breakerResetTimeoutMs: 150 });
    const b = client.breakers;
    await expect(b.run(1, failingOp)).rejects.toThrow();
    await b.run(1, async () => 'ok');
    await expect(b.run(1, failingOp)).rejects.toThrow();
    expect(b.state(1)).toBe('closed');
    await expect(b.run(1, failingOp)).rejects.toThrow();
    expect(b.state(1)).toBe('open');
    await new Promise((r) => setTimeout(r, 200));
    await expect(b.run(1, failingOp)).rejects.toThrow('down');
    expect(b.state(1)).toBe('open');
    client.close();
  });

  test('4xx answers (unknown server) do not count against the agent', async () => {
    const client = testClient({ breakerThreshold: 1 });
    await expect(client.command(target(), 'web', 'nope', 'drain')).rejects.toThrow(/unknown server nope/);
    expect(client.breakers.state(1)).toBe('closed');
    client.close();
  });
});
