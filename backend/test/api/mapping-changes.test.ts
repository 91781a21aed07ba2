import { createApplication, fleet, syncNow, useHarness } from './helpers';

const h = useHarness();

const setMapping = (serverId: number, body: object) =>
  h.t.call('PUT', `/api/haproxy/servers/${serverId}/mapping`, { token: h.t.tokens.operator, body });
const serverChanges = async (serverId: number) =>
  (await h.t.call('GET', `/api/admin/changes?entity_kind=server&entity_id=${serverId}`)).body.changes;

test('handing back a server auto-mapping already maps changes nothing: it stays in its application, no log row', async () => {
  const f = await fleet(
    h,
    'release-auto',
    { web: [{ name: 's1', status: 'UP', address: '10.61.0.1:80' }] },
    {
      address: '10.61.0.1',
    }
  );
  const app = await createApplication(h, 'release-auto-app', f.hostId);
  await syncNow(h, f.instanceId);
  const id = f.servers['web/s1'].id;

  const released = await setMapping(id, { application_id: null, kind: 'auto' });
  expect(released.status).toBe(200);
  expect(released.body).toMatchObject({ application_id: app, mapping_kind: 'auto' });
  // Until the next sync a bulk or a job by application_id, and its budget, still count it.
  const servers = await h.t.call('GET', `/api/haproxy/servers?application_id=${app}`);
  expect(servers.body.servers.map((s: { id: number }) => s.id)).toEqual([id]);
  expect(await serverChanges(id)).toEqual([]);
});

test('deleting an application logs its budget and the manual mappings it drops, each on its own entity', async () => {
  const f = await fleet(
    h,
    'delete-logged',
    {
      web: [
        { name: 'auto1', status: 'UP', address: '10.62.0.1:80' },
        { name: 'hand1', status: 'UP', address: '10.62.9.9:80' },
      ],
    },
    { address: '10.62.0.1' }
  );
  const app = await createApplication(h, 'delete-logged-app', f.hostId);
  await syncNow(h, f.instanceId);
  const [auto, hand] = [f.servers['web/auto1'].id, f.servers['web/hand1'].id];
  expect((await setMapping(hand, { application_id: app })).status).toBe(200);
  expect((await h.t.call('PUT', `/api/applications/${app}/budget`, { body: { min_available: 1 } })).status).toBe(200);

  expect((await h.t.call('DELETE', `/api/applications/${app}`)).status).toBe(204);
  const appChanges = (await h.t.call('GET', `/api/admin/changes?entity_kind=application&entity_id=${app}`)).body
    .changes;
  expect(appChanges.map((c: { action: string }) => c.action)).toEqual([
    'deleted',
    'budget_cleared',
    'budget_set',
    'created',
  ]);
  expect(appChanges[1]).toMatchObject({
    before: { min_available: 1, source: 'application' },
    after: { min_available: null },
  });
  // The manual mapping a person made is undone with a row of its own; auto-mapping's choice was never one.
  expect((await serverChanges(hand))[0]).toMatchObject({
    action: 'mapping_set',
    entity_name: 'delete-logged/web/hand1',
    before: { application_id: app, mapping_kind: 'manual' },
    after: { application_id: null, mapping_kind: null },
  });
  expect(await serverChanges(auto)).toEqual([]);
});
