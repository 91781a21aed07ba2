import type { FagentCache } from '../../src/fagent/cache';
import { probeAgent } from '../../src/fagent/probe';
import { on, useFakeAgent } from '../support/fake-fagent';
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
