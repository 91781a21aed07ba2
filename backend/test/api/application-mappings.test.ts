import { createApplication, fleet, useHarness } from './helpers';

const h = useHarness();

test('an application whose servers an open job holds is not deleted: its budget and mapping guard the job', async () => {
  // Sessions keep the first server draining, so the job stays open.
  const f = await fleet(h, 'app-delete-job', {
    web: [1, 2, 3].map((i) => ({ name: `s${i}`, status: 'UP', current_sessions: 5 })),
  });
  const app = await createApplication(h, 'deploy-target', f.hostId);
  for (const s of Object.values(f.servers)) {
    const mapped = await h.t.call('PUT', `/api/haproxy/servers/${s.id}/mapping`, { body: { application_id: app } });
    expect(mapped.status).toBe(200);
  }
  expect((await h.t.call('PUT', `/api/applications/${app}/budget`, { body: { min_available: 2 } })).status).toBe(200);
  const job = await h.t.call('POST', '/api/haproxy/operations', {
    token: h.t.tokens.operator,
    body: { action: 'drain', application_id: app, max_parallel: 1 },
  });
  expect(job.status).toBe(202);

  const refused = await h.t.call('DELETE', `/api/applications/${app}`);
  expect([refused.status, refused.body.error.code, refused.body.error.details.operation_id]).toEqual([
    409,
    'operation_conflict',
    job.body.id,
  ]);
  // Nothing changed: the application, its budget and its servers' mappings are all there.
  const kept = await h.t.call('GET', `/api/applications/${app}`);
  expect([kept.status, kept.body.server_count, kept.body.budget.min_available]).toEqual([200, 3, 2]);

  expect((await h.t.call('POST', `/api/haproxy/operations/${job.body.id}/cancel`)).status).toBe(200);
  expect((await h.t.call('DELETE', `/api/applications/${app}`)).status).toBe(204);
});

test('an address matching two hosts offers their same-named applications each with its host', async () => {
  const host = async (name: string) =>
    (await h.t.call('POST', '/api/hosts', { body: { name, address: '10.41.0.1', fagent_url: 'http://127.0.0.1:1' } }))
      .body.id as number;
  const [one, two] = [await host('twin-one'), await host('twin-two')];
  await createApplication(h, 'shop', one);
  await createApplication(h, 'shop', two);
  const f = await fleet(h, 'twin-hosts', { web: [{ name: 's1', status: 'UP', address: '10.41.0.1:80' }] });
  const res = await h.t.call('GET', `/api/haproxy/mappings/unresolved?instance_id=${f.instanceId}`);
  expect(res.body.servers).toHaveLength(1);
  expect(res.body.servers[0].reason).toBe('ambiguous_host');
  const offered = res.body.servers[0].candidates.map((c: { name: string; host_name: string }) => [c.name, c.host_name]);
  expect(offered.sort()).toEqual([
    ['shop', 'twin-one'],
    ['shop', 'twin-two'],
  ]);
});
