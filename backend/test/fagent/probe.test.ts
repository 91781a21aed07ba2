import type { FagentCache } from '../../src/fagent/cache';
import { probeAgent } from '../../src/fagent/probe';
import { Fault, namedFault, on, useFakeAgent } from '../support/fake-fagent';
import { testClient } from '../support/fixtures';

/** Agent tests run under ids no instance has: each leaves nothing behind in the client that serves the syncs. */
const agent = useFakeAgent({ protocol: 'extended' }).setBackend('main', 'web', [{ name: 'w1', status: 'UP' }]);

/** How many instances the cache keeps an invalidation count for. */
const generationsKept = (cache: FagentCache) =>
  (cache as unknown as { generations: Map<number, number> }).generations.size;

test('many agent tests keep nothing per test: no cache generation, no breaker state change', async () => {
  const client = testClient({ cacheTtlSec: 30 });
  const version = client.breakers.version;
  for (let i = 0; i < 50; i++) {
    const probe = await probeAgent(client, { baseUrl: agent.url, instances: ['main', 'other'] });
    expect(probe.instances.map((p) => p.reachable)).toEqual([true, false]);
  }
  expect(generationsKept(client.cache)).toBe(0);
  expect(client.cache.stats().keys).toBe(0);
  // Nothing changed for the summary, which is rebuilt whenever the breakers' version moves.
  expect(client.breakers.version).toBe(version);
  client.close();
});

test('a read in flight while its instance is forgotten is not cached afterwards', async () => {
  const client = testClient({ cacheTtlSec: 30 });
  const target = { instanceId: 7, instanceName: 'main', baseUrl: agent.url };
  let release!: () => void;
  agent.inject(on.any(), { kind: 'hold', until: new Promise<void>((resolve) => (release = resolve)) }, 1);
  const read = client.getBackends(target);
  await agent.arrived(on.any());
  client.forget(target.instanceId);
  release();
  await expect(read).resolves.toEqual(['web']);
  await client.getBackends(target);
  expect(agent.requests).toHaveLength(2);
  client.close();
});

/**
 * With an agent that offers /state the sync reads it instead of /backends: a test that read only /backends would
 * pass an agent whose every sync fails (or is partial). The instance is reachable, its error says why, and the
 * test is not ok.
 */
describe('an agent offering /state: the test reads it as the sync does', () => {
  const probe = (client = testClient()) => probeAgent(client, { baseUrl: agent.url, instances: ['main'] });

  test.each<[string, Fault, RegExp]>([
    [
      'refused',
      { kind: 'body', body: { success: false, error: 'injected: runtime API unavailable' } },
      /^FAgent refused GET \/api\/haproxy\/main\/state.*injected: runtime API unavailable/,
    ],
    ['not JSON', { kind: 'invalid-json' }, /^FAgent answered GET \/api\/haproxy\/main\/state with invalid JSON/],
    [
      'with one backend odd',
      namedFault('one-backend-failing', { backend: 'web' }),
      /^1 backend\(s\) could not be read: web: FAgent answer to GET \/api\/haproxy\/main\/state /,
    ],
  ])('a /state %s fails the test, named', async (_label, fault, why) => {
    agent.inject(on.state(), fault);
    const client = testClient();
    const result = await probe(client);
    expect(result).toMatchObject({ ok: false, instances: [{ name: 'main', reachable: true, backends: 1 }] });
    expect(result.instances[0].error).toMatch(why);
    // Only "none answered" sets the test's own error.
    expect(result.error).toBeUndefined();
    client.close();
  });

  test("a /state whose process info is wrong still passes, as a failing /info does: /info's version", async () => {
    agent.inject(on.state(), {
      kind: 'rewrite',
      rewrite: (a) => ({ ...(a as object), info: { pid: 'x' } }),
    });
    const client = testClient();
    expect(await probe(client)).toMatchObject({
      ok: true,
      version: '2.6.12-fake',
      instances: [{ name: 'main', reachable: true, error: undefined }],
    });
    client.close();
  });

  test('a whole /state passes, its version read from it', async () => {
    const client = testClient();
    expect(await probe(client)).toMatchObject({ ok: true, version: '2.6.12-fake', instances: [{ error: undefined }] });
    expect(agent.requests.map((r) => r.route)).toEqual(['backends', 'state']);
    client.close();
  });
});
