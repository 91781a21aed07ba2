import type { FagentClient } from '../../src/fagent/client';
import { createTestDatabase, TestDatabase } from '../support/db';
import { extendedServer, Fault, namedFault, on, useFakeAgent } from '../support/fake-fagent';
import { insertInstance, serverStates, silentLog, snapshot, testClient, testSync } from '../support/fixtures';

/**
 * A /state answer whose backend list is sound but one backend's servers are not (a wrong type, a field missing
 * in one server, too many servers) syncs as the seed protocol's per-backend reads do: the other backends are
 * written, the odd one keeps what is stored and is named in the error, the sync is `partial`. A process info that
 * cannot be read costs the process alone, as a failed /info beside the seed's reads does. An answer whose backend
 * list cannot be read still fails whole. An answer with a failed part is never cached. On the event loop and on a
 * decoding thread alike.
 */

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db?.drop());

const agent = useFakeAgent({ protocol: 'extended' });
const clients: Record<string, FagentClient> = {
  'event loop': testClient({ maxServersPerBackend: 3 }),
  thread: testClient({ maxServersPerBackend: 3, decodeThreads: 1, decodeThreadMinBytes: 0 }),
};
/** The same, with answers cached as the service does by default (HAPROXY_CACHE_TTL). */
const caching: Record<string, FagentClient> = {
  'event loop': testClient({ cacheTtlSec: 30 }),
  thread: testClient({ cacheTtlSec: 30, decodeThreads: 1, decodeThreadMinBytes: 0 }),
};
afterAll(() => [...Object.values(clients), ...Object.values(caching)].forEach((c) => c.close()));

type StateBody = { info: Record<string, unknown>; backends: Array<{ name: unknown; servers: unknown }> };
/** The real /state answer with `change` applied to it. */
const rewrite = (change: (a: StateBody) => void): Fault => ({
  kind: 'rewrite',
  rewrite: (a) => {
    change(a as StateBody);
    return a;
  },
});
const backend = (a: StateBody, name: string) => a.backends.find((b) => b.name === name)!;
const firstServer = (a: StateBody, name: string) => (backend(a, name).servers as Array<Record<string, unknown>>)[0];

let seq = 0;
/** An instance with backends web and api, synced once, then both changed at the agent. */
async function syncedInstance(client: FagentClient) {
  const name = `partial${++seq}`;
  agent
    .setBackend(name, 'web', [extendedServer('w1'), extendedServer('w2')])
    .setBackend(name, 'api', [extendedServer('a1')]);
  const { instanceId } = await insertInstance(db.ds, agent.url, name);
  const sync = testSync(db.ds, client);
  expect((await sync.sync(instanceId)).status).toBe('ok');
  agent.server(name, 'web', 'w1').status = 'DOWN';
  agent.server(name, 'api', 'a1').status = 'DRAIN';
  return { name, instanceId, sync };
}

const states = async (instanceId: number) =>
  (await serverStates(db.ds, instanceId)).map((s) => [s.backend, s.server, s.status, s.removed]);

describe.each(Object.keys(clients))('decoded on the %s', (where) => {
  const client = clients[where];

  test.each<[string, Fault]>([
    ['a wrong type in one server', rewrite((a) => (firstServer(a, 'web').weight = 'HIDDEN-1'))],
    ['a field missing in one server only', rewrite((a) => delete firstServer(a, 'web').current_sessions)],
    ['servers that are no list', namedFault('one-backend-failing', { backend: 'web' })],
    ['a server that is no object', rewrite((a) => (backend(a, 'web').servers = ['HIDDEN-1']))],
    ['a server with an empty name', rewrite((a) => (firstServer(a, 'web').name = ''))],
    [
      'more servers than one backend may list',
      rewrite((a) => (backend(a, 'web').servers = Array(4).fill(firstServer(a, 'web')))),
    ],
  ])('%s: the other backends sync, that one keeps its servers and is named', async (_label, fault) => {
    const i = await syncedInstance(client);
    agent.removeBackend(i.name, 'gone'); // nothing to remove: a partial answer removes nothing it did not read
    agent.inject(on.state(), fault);
    const out = await i.sync.sync(i.instanceId);
    expect(out.status).toBe('partial');
    expect(out.error).toMatch(
      new RegExp(`^1 backend\\(s\\) could not be read: web: FAgent answer to GET /api/haproxy/${i.name}/state `)
    );
    expect(out.error).not.toContain('HIDDEN');
    expect(await states(i.instanceId)).toEqual([
      ['api', 'a1', 'DRAIN', false],
      ['web', 'w1', 'UP', false],
      ['web', 'w2', 'UP', false],
    ]);
    const [row] = await db.ds.query(`SELECT last_sync_success, last_sync_error FROM haproxy_instances WHERE id = $1`, [
      i.instanceId,
    ]);
    expect(row).toEqual({ last_sync_success: false, last_sync_error: out.error });

    // The agent mends: the next sync reads web again.
    agent.clearFaults();
    expect(await i.sync.sync(i.instanceId)).toMatchObject({ status: 'ok' });
    expect((await states(i.instanceId)).find((s) => s[1] === 'w1')).toEqual(['web', 'w1', 'DOWN', false]);
  });

  test('an odd backend outside the scope costs nothing: the sync is ok', async () => {
    const name = `scoped${++seq}`;
    agent.setBackend(name, 'web', [extendedServer('w1')]).setBackend(name, 'api', [extendedServer('a1')]);
    const { instanceId } = await insertInstance(db.ds, agent.url, name, { backendScope: ['api'] });
    agent.inject(on.state(), namedFault('one-backend-failing', { backend: 'web' }));
    expect(await testSync(db.ds, client).sync(instanceId)).toMatchObject({ status: 'ok', backends: 1 });
    expect(await states(instanceId)).toEqual([['api', 'a1', 'UP', false]]);
  });

  test.each<[string, Fault, RegExp]>([
    ['wrong', rewrite((a) => (a.info.pid = 'HIDDEN-1')), /at info\.pid: must be a number/],
    ['missing', rewrite((a) => delete (a as Partial<StateBody>).info), /at info: must be an object, got nothing/],
  ])('the process info %s: every backend syncs, the process is unknown, a warning names it', async (_l, fault, why) => {
    const i = await syncedInstance(client);
    const process = `SELECT haproxy_pid FROM haproxy_instances WHERE id = $1`;
    const [known] = await db.ds.query(process, [i.instanceId]);
    agent.restart(i.name);
    agent.inject(on.state(), fault);
    const warn = jest.spyOn(silentLog, 'warn');
    try {
      expect(await i.sync.sync(i.instanceId)).toMatchObject({ status: 'ok', restarted: undefined });
      const [[fields, message]] = warn.mock.calls as unknown as Array<[{ instance: string; err: string }, string]>;
      expect(message).toBe('HAProxy process info not read');
      expect(fields.instance).toBe(i.name);
      expect(fields.err).toMatch(new RegExp(`^FAgent answer to GET /api/haproxy/${i.name}/state `));
      expect(fields.err).toMatch(why);
      expect(fields.err).not.toContain('HIDDEN');
    } finally {
      warn.mockRestore();
    }
    expect(await states(i.instanceId)).toEqual([
      ['api', 'a1', 'DRAIN', false],
      ['web', 'w1', 'DOWN', false],
      ['web', 'w2', 'UP', false],
    ]);
    // The process last known is kept: the next answer that tells it shows the restart.
    expect(await db.ds.query(process, [i.instanceId])).toEqual([known]);
    agent.clearFaults();
    expect(await i.sync.sync(i.instanceId)).toMatchObject({ status: 'ok', restarted: true });
  });

  test.each<[string, Fault]>([
    ['a backend odd', namedFault('one-backend-failing', { backend: 'web' })],
    ['the process info wrong', rewrite((a) => (a.info.pid = 'HIDDEN-1'))],
  ])('%s: the answer is not cached, the next sync inside the TTL asks again', async (_label, fault) => {
    const i = await syncedInstance(caching[where]);
    agent.restart(i.name);
    agent.inject(on.state(), fault, 1);
    const asked = () => agent.requests.filter((r) => r.route === 'state' && r.segments[2] === i.name).length;
    const before = asked();
    await i.sync.sync(i.instanceId, { fresh: true });
    // A scheduled sync, which reads through the cache: the agent is asked again and answers whole.
    expect(await i.sync.sync(i.instanceId)).toMatchObject({ status: 'ok', restarted: true });
    expect(asked()).toBe(before + 2);
    expect((await states(i.instanceId)).find((s) => s[1] === 'w1')).toEqual(['web', 'w1', 'DOWN', false]);
  });

  test.each<[string, Fault]>([
    ['every backend odd', rewrite((a) => a.backends.forEach((b) => (b.servers = null)))],
    ['a backend without a name', rewrite((a) => (backend(a, 'web').name = 7))],
    ['a backend that is no object', rewrite((a) => (a.backends[0] = 'web' as never))],
    ['backends that are no list', rewrite((a) => (a.backends = {} as never))],
  ])('%s: the answer fails whole, nothing changes', async (_label, fault) => {
    const i = await syncedInstance(client);
    const before = await snapshot(db.ds, i.instanceId);
    agent.inject(on.state(), fault);
    const out = await i.sync.sync(i.instanceId);
    expect(out.status).toBe('failed');
    expect(out.error).not.toContain('HIDDEN');
    expect(await snapshot(db.ds, i.instanceId)).toEqual(before);
  });
});
