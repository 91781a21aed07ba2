import { PoolDb } from '../../src/db/db';
import { setDesired } from '../../src/store/desired-state';
import { createTestDatabase, TestDatabase } from '../support/db';
import { extendedServer, on, useFakeAgent } from '../support/fake-fagent';
import { insertInstance, serverStates, testClient, testSync } from '../support/fixtures';

/**
 * An agent with /info but without /state (the seed's per-backend reads): HAProxy may reload while the sync reads
 * the server lists, so the lists and the process /info names may not match.
 */

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db?.drop());

const agent = useFakeAgent({ protocol: 'extended' });

test('a reload between the server lists and /info: the lost maint is drift at the next sync, never adopted', async () => {
  const client = testClient();
  try {
    agent.setBackend('mid', 'web', [extendedServer('w1', 'maint'), extendedServer('w2')]);
    agent.inject(on.state(), { kind: 'status', status: 404 });
    const { instanceId } = await insertInstance(db.ds, agent.url, 'mid');
    const sync = testSync(db.ds, client);
    expect(await sync.sync(instanceId)).toMatchObject({ status: 'ok' });
    const w1 = (await serverStates(db.ds, instanceId)).find((s) => s.server === 'w1')!;
    const asked = { adminState: 'maint' as const, actor: 'ops', reason: null, source: 'ui' as const, until: null };
    await setDesired(new PoolDb(db.ds), w1.id, asked, new Date());
    expect(await sync.sync(instanceId)).toMatchObject({ status: 'ok', restarted: false, drifting: 0 });

    // The list is the old process's (w1 in maint); HAProxy reloads right after, losing the maint.
    agent.inject(
      on.servers('web'),
      {
        kind: 'rewrite',
        rewrite: (answer) => {
          agent.restart('mid');
          Object.assign(agent.server('mid', 'web', 'w1'), extendedServer('w1'));
          return answer;
        },
      },
      1
    );
    expect(await sync.sync(instanceId)).toMatchObject({ status: 'ok', drifting: 0, adoptedExternal: 0 });
    // The new process, w1 ready: what the reload lost, not a change made outside.
    expect(await sync.sync(instanceId)).toMatchObject({ restarted: true, drifting: 1, adoptedExternal: 0 });
    const [desired] = await db.ds.query(
      `SELECT admin_state, actor, drift_cause FROM haproxy_server_desired WHERE server_id = $1`,
      [w1.id]
    );
    expect(desired).toEqual({ admin_state: 'maint', actor: 'ops', drift_cause: 'reload' });
  } finally {
    client.close();
  }
});
