import { PoolDb } from '../../src/db/db';
import { deleteApplication } from '../../src/store/applications';
import { loadMappingIndex } from '../../src/sync/sync-store';
import { createTestDatabase, TestDatabase } from '../support/db';
import { useFakeAgent } from '../support/fake-fagent';
import { insertInstance, testClient, testSync } from '../support/fixtures';

const agent = useFakeAgent();
const client = testClient();
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  client.close();
  await db?.drop();
});

test('an application deleted after the cycle read its hosts and applications: the sync maps nothing to it, and succeeds', async () => {
  agent.setBackend('stale', 'web', [{ name: 'w1', status: 'UP', address: '10.50.0.1:80' }]);
  const { hostId, instanceId } = await insertInstance(db.ds, agent.url, 'stale', { hostAddress: '10.50.0.1' });
  const [app] = await db.ds.query(`INSERT INTO applications (name, host_id) VALUES ('gone', $1) RETURNING id`, [
    hostId,
  ]);
  const sync = testSync(db.ds, client);
  // The scheduler reads the index once per cycle; the application goes while the cycle runs.
  const mappingIndex = await loadMappingIndex(new PoolDb(db.ds));
  await deleteApplication(new PoolDb(db.ds), app.id);

  expect(await sync.sync(instanceId, { mappingIndex })).toMatchObject({ status: 'ok' });
  const [server] = await db.ds.query(
    `SELECT application_id, mapping_kind FROM haproxy_servers WHERE server_name = 'w1'`
  );
  expect(server).toEqual({ application_id: null, mapping_kind: null });
});
