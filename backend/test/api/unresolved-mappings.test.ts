import { createApplication, expectError, fleet, syncNow, useHarness } from './helpers';

const h = useHarness();

const unresolved = async (query = '') => {
  const res = await h.t.call('GET', `/api/haproxy/mappings/unresolved${query}`, { token: h.t.tokens.viewer });
  expect(res.status).toBe(200);
  return res.body as {
    total: number;
    servers: Array<{
      server: { server_name: string; id: number };
      reason: string;
      address_key: string | null;
      matched_hosts: string[];
      candidates: Array<{ name: string }>;
    }>;
  };
};
const host = async (name: string, address: string) => {
  const res = await h.t.call('POST', '/api/hosts', { body: { name, address, fagent_url: 'http://127.0.0.1:1' } });
  expect(res.status).toBe(201);
  return res.body.id as number;
};

test('servers auto-mapping could not map, each with why and the applications to pick from', async () => {
  const one = await host('app-one', '10.9.0.1');
  await host('app-two', '10.9.0.2');
  await host('app-two-twin', '10.9.0.2');
  await createApplication(h, 'shop', one);
  await createApplication(h, 'cart', one);
  const lone = await host('app-lone', '10.9.0.3');
  const f = await fleet(h, 'review', {
    web: [
      { name: 'mapped', status: 'UP', address: '10.9.0.4:80' },
      { name: 'two-apps', status: 'UP', address: '10.9.0.1:80' },
      { name: 'two-hosts', status: 'UP', address: '10.9.0.2:80' },
      { name: 'no-app', status: 'UP', address: '10.9.0.3:80' },
      { name: 'no-host', status: 'UP', address: '192.0.2.7:80' },
      { name: 'no-address', status: 'UP', address: '' },
      { name: 'by-hand', status: 'UP', address: '192.0.2.8:80' },
    ],
  });
  await createApplication(h, 'mapped-app', await host('app-four', '10.9.0.4'));
  await syncNow(h, f.instanceId);
  // A manual "unmapped" is settled: never listed.
  const byHand = f.servers['web/by-hand'].id;
  expect(
    (await h.t.call('PUT', `/api/haproxy/servers/${byHand}/mapping`, { body: { application_id: null } })).status
  ).toBe(200);

  const all = await unresolved(`?instance_id=${f.instanceId}`);
  const byName = Object.fromEntries(all.servers.map((s) => [s.server.server_name, s]));
  expect(Object.keys(byName).sort()).toEqual(['no-address', 'no-app', 'no-host', 'two-apps', 'two-hosts']);
  expect(all.total).toBe(5);
  expect(byName['two-apps']).toMatchObject({
    reason: 'ambiguous_application',
    address_key: '10.9.0.1',
    matched_hosts: ['app-one'],
  });
  expect(byName['two-apps'].candidates.map((c) => c.name).sort()).toEqual(['cart', 'shop']);
  expect(byName['two-hosts']).toMatchObject({ reason: 'ambiguous_host' });
  expect(byName['two-hosts'].matched_hosts.sort()).toEqual(['app-two', 'app-two-twin']);
  expect(byName['no-app']).toMatchObject({ reason: 'no_application', matched_hosts: ['app-lone'], candidates: [] });
  expect(byName['no-host']).toMatchObject({ reason: 'no_host', address_key: '192.0.2.7', matched_hosts: [] });
  expect(byName['no-address']).toMatchObject({ reason: 'no_address', address_key: null });

  expect(
    (await unresolved(`?instance_id=${f.instanceId}&kind=ambiguous`)).servers.map((s) => s.server.server_name).sort()
  ).toEqual(['two-apps', 'two-hosts']);
  expect((await unresolved(`?instance_id=${f.instanceId}&kind=unmatched`)).total).toBe(3);
  const page = await unresolved(`?instance_id=${f.instanceId}&limit=2&offset=2`);
  expect([page.servers.length, page.total]).toEqual([2, 5]);

  // An application added since the last sync: "the next sync maps it", and that application is offered.
  await createApplication(h, 'lone-app', lone);
  expect(
    (await unresolved(`?instance_id=${f.instanceId}`)).servers.find((s) => s.server.server_name === 'no-app')
  ).toMatchObject({ reason: 'next_sync', candidates: [{ name: 'lone-app' }] });

  // One click: a manual mapping takes the server off the list.
  const shop = (await h.t.call('GET', '/api/applications')).body.applications.find(
    (a: { name: string }) => a.name === 'shop'
  );
  await h.t.call('PUT', `/api/haproxy/servers/${byName['two-apps'].server.id}/mapping`, {
    token: h.t.tokens.operator,
    body: { application_id: shop.id },
  });
  expect(
    (await unresolved(`?instance_id=${f.instanceId}&kind=ambiguous`)).servers.map((s) => s.server.server_name)
  ).toEqual(['two-hosts']);
});

test.each(['?kind=some', '?limit=0', '?limit=1001', '?offset=-1', '?instance_id=0'])('%s is a 400', async (q) => {
  expectError(await h.t.call('GET', `/api/haproxy/mappings/unresolved${q}`), 400, 'bad_request');
});
