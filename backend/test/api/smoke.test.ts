import { FagentError } from '../../src/fagent/errors';
import { FakeFagent } from '../support/fake-fagent';
import { checked, CheckedService } from '../support/openapi';
import { registerInstance, startTestService } from '../support/service';

let t: CheckedService;
let agent: FakeFagent;

beforeAll(async () => {
  agent = await new FakeFagent().start();
  agent.setBackend('main', 'web', [
    { name: 'web1', status: 'UP', address: 'web1.example.com:80' },
    { name: 'web2', status: 'DOWN' },
  ]);
  t = checked(await startTestService());
});
afterAll(async () => {
  await t?.stop();
  await agent?.stop();
});

test('register, sync, read back', async () => {
  const { instanceId } = await registerInstance(t, agent.url, 'main');
  const sync = await t.call('POST', `/api/haproxy/instances/${instanceId}/sync?wait=true`);
  expect(sync.status).toBe(200);
  expect(sync.body.status).toBe('ok');
  const backends = await t.call('GET', `/api/haproxy/instances/${instanceId}/backends`, { token: t.tokens.viewer });
  expect(backends.body.backends).toHaveLength(1);
  const servers = await t.call('GET', `/api/haproxy/backends/${backends.body.backends[0].id}/servers`, {
    token: t.tokens.viewer,
  });
  expect(servers.body.servers.map((s: { server_name: string; status: string }) => [s.server_name, s.status])).toEqual([
    ['web1', 'UP'],
    ['web2', 'DOWN'],
  ]);
  const summary = await t.call('GET', '/api/haproxy/summary', { token: t.tokens.viewer });
  expect(summary.body.servers.by_status).toMatchObject({ UP: 1, DOWN: 1 });
  const cmd = await t.call('POST', `/api/haproxy/servers/${servers.body.servers[0].id}/command`, {
    token: t.tokens.operator,
    body: { command: 'drain' },
  });
  expect(cmd.status).toBe(200);
  expect(cmd.body.server.status).toBe('DRAIN');
  // The summary's counts are cached for a second, but a command shows at once.
  const after = await t.call('GET', '/api/haproxy/summary', { token: t.tokens.viewer });
  expect(after.body.servers.by_status).toMatchObject({ UP: 0, DOWN: 1, DRAIN: 1 });
});

test('a server HAProxy no longer lists is still readable by id, with removed_at set', async () => {
  // Another HAProxy behind the agent: 'main' under a second host would be the same one registered twice (409).
  agent.setBackend('removed', 'web', [
    { name: 'web1', status: 'UP', address: 'web1.example.com:80' },
    { name: 'web2', status: 'DOWN' },
  ]);
  const { instanceId } = await registerInstance(t, agent.url, 'removed', { hostName: 'smoke-removed' });
  await t.call('POST', `/api/haproxy/instances/${instanceId}/sync?wait=true`);
  const listed = await t.call('GET', `/api/haproxy/servers?instance_id=${instanceId}`);
  const web2 = listed.body.servers.find((s: { server_name: string }) => s.server_name === 'web2');
  expect(web2.removed_at).toBeNull();
  const totalBefore = (await t.call('GET', '/api/haproxy/summary')).body.servers.total;
  agent.setBackend('removed', 'web', [{ name: 'web1', status: 'UP', address: 'web1.example.com:80' }]);
  await t.call('POST', `/api/haproxy/instances/${instanceId}/sync?wait=true`);
  // A sync drops the cached counts too.
  expect((await t.call('GET', '/api/haproxy/summary')).body.servers.total).toBe(totalBefore - 1);
  const gone = await t.call('GET', `/api/haproxy/servers/${web2.id}`);
  expect(gone.status).toBe(200);
  expect(Date.parse(gone.body.removed_at)).not.toBeNaN();
  expect(
    (await t.call('GET', `/api/haproxy/servers?instance_id=${instanceId}`)).body.servers.map(
      (s: { id: number }) => s.id
    )
  ).not.toContain(web2.id);
});

test('the summary is cached for a second, but an instance registered or deleted shows at once', async () => {
  const before = (await t.call('GET', '/api/haproxy/summary')).body.instances.total;
  const { instanceId } = await registerInstance(t, agent.url, 'counted', { hostName: 'smoke-counted' });
  expect((await t.call('GET', '/api/haproxy/summary')).body.instances.total).toBe(before + 1);
  expect((await t.call('DELETE', `/api/haproxy/instances/${instanceId}`)).status).toBe(204);
  expect((await t.call('GET', '/api/haproxy/summary')).body.instances.total).toBe(before);
});

test('a breaker that opens shows in the summary at once, though the counts it answers with are still cached', async () => {
  const { instanceId } = await registerInstance(t, agent.url, 'breaker', { hostName: 'smoke-breaker' });
  const summary = async () => (await t.call('GET', '/api/haproxy/summary')).body;
  const before = await summary();
  expect(before.instances.breaker_open).toBe(0);
  const { breakers } = t.service.client;
  const failing = () => Promise.reject(new FagentError('network', 'down'));
  while (breakers.state(instanceId) !== 'open') {
    await breakers.run(instanceId, failing).catch(() => undefined);
  }
  const after = await summary();
  expect(after.instances.breaker_open).toBe(1);
  // The same counts: only the breakers changed.
  expect(after.servers).toEqual(before.servers);
  expect(after.instances.total).toBe(before.instances.total);
  t.service.client.forget(instanceId);
  expect((await summary()).instances.breaker_open).toBe(0);
  expect((await t.call('DELETE', `/api/haproxy/instances/${instanceId}`)).status).toBe(204);
});
