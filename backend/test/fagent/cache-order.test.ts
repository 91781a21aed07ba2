import { setTimeout as sleep } from 'node:timers/promises';
import { FagentClient, FagentTarget } from '../../src/fagent/client';
import { namedFault, on, useFakeAgent } from '../support/fake-fagent';
import { testClient } from '../support/fixtures';

/** Reads that answer in another order than they started: the cache keeps the newest answer, never an older one. */
const agent = useFakeAgent({ protocol: 'extended' }).setBackend('main', 'web', [{ name: 'w1', status: 'UP' }]);

/** An older agent without /state or /info, which a host may be moved away from. */
const seedAgent = useFakeAgent().setBackend('main', 'web', [{ name: 'w1', status: 'UP' }]);

let target: FagentTarget;
beforeAll(() => (target = { instanceId: 1, instanceName: 'main', baseUrl: agent.url }));

let client: FagentClient;
afterEach(() => {
  client.close();
  agent.server('main', 'web', 'w1').status = 'UP';
  agent.removeBackend('main', 'api');
});

/** Holds the next request matching `match` (answered with the state it arrived at) until the returned release. */
function hold(match: Parameters<typeof agent.inject>[0]): () => void {
  let release!: () => void;
  agent.inject(match, { kind: 'hold', until: new Promise<void>((resolve) => (release = resolve)) }, 1);
  return release;
}

/** Reads tracked while in flight: none once every read ended. */
const tracked = () => (client.cache as unknown as { reads: Map<string, unknown> }).reads.size;

test('a slow read that started before a fresh one does not cache its older answer over the fresh one', async () => {
  client = testClient({ cacheTtlSec: 30 });
  const release = hold(on.servers('web'));
  const slow = client.getServers(target, 'web');
  await agent.arrived(on.servers('web'));
  // Drained outside this process (another replica, the runtime API); the fresh read sees it and caches it.
  agent.server('main', 'web', 'w1').status = 'DRAIN';
  expect((await client.getServers(target, 'web', { fresh: true }))[0].status).toBe('DRAIN');
  release();
  expect((await slow)[0].status).toBe('UP');
  expect((await client.getServers(target, 'web'))[0].status).toBe('DRAIN');
  expect(agent.requests).toHaveLength(2);
  agent.inject(on.servers('web'), { kind: 'status', status: 404 }, 1);
  await expect(client.getServers(target, 'web', { fresh: true })).rejects.toThrow();
  expect(tracked()).toBe(0);
});

test('a read in flight while a command runs does not cache its answer from before the command', async () => {
  client = testClient({ cacheTtlSec: 30 });
  const release = hold(on.servers('web'));
  const slow = client.getServers(target, 'web');
  await agent.arrived(on.servers('web'));
  await client.command(target, 'web', 'w1', 'drain');
  release();
  expect((await slow)[0].status).toBe('UP');
  expect((await client.getServers(target, 'web'))[0].status).toBe('DRAIN');
});

test('every cached read takes the same rule: backends, server lists, info and state', async () => {
  client = testClient({ cacheTtlSec: 30 });
  const release = [hold(on.backends()), hold(on.servers('web')), hold(on.info()), hold(on.state())];
  const slow = Promise.all([
    client.getBackends(target),
    client.getServerList(target, 'web'),
    client.getInfo(target),
    client.getState(target),
  ]);
  await Promise.all([on.backends(), on.servers('web'), on.info(), on.state()].map((m) => agent.arrived(m)));
  agent.setBackend('main', 'api', [{ name: 'a1', status: 'UP' }]);
  agent.server('main', 'web', 'w1').status = 'DRAIN';
  agent.restart('main');
  const fresh = await Promise.all([
    client.getBackends(target, { fresh: true }),
    client.getServerList(target, 'web', { fresh: true }),
    client.getInfo(target, { fresh: true }),
    client.getState(target, { fresh: true }),
  ]);
  release.forEach((r) => r());
  await slow;
  const cached = await Promise.all([
    client.getBackends(target),
    client.getServerList(target, 'web'),
    client.getInfo(target),
    client.getState(target),
  ]);
  expect(cached).toEqual(fresh);
  expect(cached[0]).toEqual(['web', 'api']);
  expect(cached[1].servers[0].status).toBe('DRAIN');
  expect(agent.requests).toHaveLength(8);
});

test('an answer not kept (a part failed) still outdates a slower read that started before it', async () => {
  client = testClient({ cacheTtlSec: 30 });
  const release = hold(on.state());
  const slow = client.getState(target);
  await agent.arrived(on.state());
  agent.server('main', 'web', 'w1').status = 'DRAIN';
  agent.inject(on.state(), namedFault('one-backend-failing', { backend: 'web' }), 1);
  const partial = await client.getState(target, { fresh: true });
  expect(partial?.backends[0].error).toBeDefined();
  release();
  expect((await slow)?.backends[0].servers[0].status).toBe('UP');
  // Not the slow read's UP: the agent is asked again.
  expect((await client.getState(target))?.backends[0].servers[0].status).toBe('DRAIN');
  expect(agent.requests).toHaveLength(3);
});

test('a cached answer is never older than the TTL, counted from when its read started', async () => {
  client = testClient({ cacheTtlSec: 1, timeoutMs: 5000 });
  const release = hold(on.backends());
  const started = Date.now();
  const slow = client.getBackends(target);
  await agent.arrived(on.backends());
  await sleep(700);
  release();
  await slow;
  await sleep(started + 1100 - Date.now());
  await client.getBackends(target);
  expect(agent.requests).toHaveLength(2);
});

test('an agent moved away from that answers "not offered" after the move does not make the new one skipped', async () => {
  client = testClient({ cacheTtlSec: 30 });
  let release!: () => void;
  seedAgent.inject(on.state(), { kind: 'hold', until: new Promise<void>((resolve) => (release = resolve)) }, 1);
  const old = client.getState({ ...target, baseUrl: seedAgent.url });
  await seedAgent.arrived(on.state());
  // The host's agent URL changed (PATCH /api/hosts/:id): the old agent's answers no longer apply.
  client.forget(target.instanceId);
  release();
  await expect(old).resolves.toBeUndefined();
  expect((await client.getState(target))?.backends.map((b) => b.name)).toEqual(['web']);
});
