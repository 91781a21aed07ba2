import { createApplication, expectError, fleet, useHarness } from './helpers';

const h = useHarness();

const post = (path: string, body: unknown) => h.t.call('POST', path, { body });
const patch = (path: string, body: unknown) => h.t.call('PATCH', path, { body });
const hostBody = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  address: '10.1.1.1',
  fagent_url: 'http://agent:9000',
  ...extra,
});

describe('hosts', () => {
  test('create, read, list, update; the agent token is write-only', async () => {
    const created = await post('/api/hosts', hostBody('  lb-a  ', { fagent_token: 'secret-agent-token' }));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'lb-a',
      address: '10.1.1.1',
      fagent_url: 'http://agent:9000',
      is_active: true,
      has_fagent_token: true,
      instance_count: 0,
    });
    expect(JSON.stringify(created.body)).not.toContain('secret-agent-token');
    const id = created.body.id;
    expect((await h.t.call('GET', `/api/hosts/${id}`, { token: h.t.tokens.viewer })).body).toEqual(created.body);
    expect((await h.t.call('GET', '/api/hosts')).body.hosts).toContainEqual(created.body);

    const updated = await patch(`/api/hosts/${id}`, {
      is_active: false,
      fagent_token: null,
      fagent_url: 'https://agent:9443',
    });
    expect(updated.body).toMatchObject({
      id,
      name: 'lb-a',
      is_active: false,
      has_fagent_token: false,
      fagent_url: 'https://agent:9443',
    });
  });

  test('a duplicate name is a 409, on create and on rename', async () => {
    expect((await post('/api/hosts', hostBody('dup-host'))).status).toBe(201);
    expectError(await post('/api/hosts', hostBody('dup-host')), 409, 'conflict');
    const other = await post('/api/hosts', hostBody('other-host'));
    expectError(await patch(`/api/hosts/${other.body.id}`, { name: 'dup-host' }), 409, 'conflict');
    expect((await h.t.call('GET', `/api/hosts/${other.body.id}`)).body.name).toBe('other-host');
  });

  test('a host whose application would clash with one without a host is not deleted: 409 naming it', async () => {
    const host = (await post('/api/hosts', hostBody('clash-host'))).body.id;
    await createApplication(h, 'clash-app', host);
    await createApplication(h, 'clash-app', null);
    const res = await h.t.call('DELETE', `/api/hosts/${host}`);
    expectError(res, 409, 'conflict');
    expect(res.body.error.message).toMatch(/"clash-app" already exist\(s\) without one/);
    expect((await h.t.call('GET', `/api/hosts/${host}`)).status).toBe(200);
  });

  test('deleting a host deletes its instances and keeps its applications without a host', async () => {
    const f = await fleet(h, 'doomed', { web: [{ name: 's1', status: 'UP' }] });
    const app = await createApplication(h, 'survivor', f.hostId);
    expect((await h.t.call('GET', `/api/hosts/${f.hostId}`)).body.instance_count).toBe(1);
    expect((await h.t.call('DELETE', `/api/hosts/${f.hostId}`)).status).toBe(204);
    expectError(await h.t.call('GET', `/api/hosts/${f.hostId}`), 404, 'not_found');
    expectError(await h.t.call('GET', `/api/haproxy/instances/${f.instanceId}`), 404, 'not_found');
    expectError(await h.t.call('GET', `/api/haproxy/servers/${f.servers['web/s1'].id}`), 404, 'not_found');
    expect((await h.t.call('GET', `/api/applications/${app}`)).body).toMatchObject({ host_id: null, host_name: null });
    expectError(await h.t.call('DELETE', `/api/hosts/${f.hostId}`), 404, 'not_found');
    expectError(await patch(`/api/hosts/${f.hostId}`, { is_active: true }), 404, 'not_found');
  });
});

describe('applications', () => {
  test('create with or without a host, read, list, update, delete', async () => {
    const host = await post('/api/hosts', hostBody('app-host'));
    const withHost = await post('/api/applications', { name: 'shop', host_id: host.body.id });
    expect(withHost.status).toBe(201);
    expect(withHost.body).toMatchObject({
      name: 'shop',
      host_id: host.body.id,
      host_name: 'app-host',
      server_count: 0,
    });
    const bare = await post('/api/applications', { name: 'shop' });
    expect(bare.body).toMatchObject({ name: 'shop', host_id: null, host_name: null });
    // The application page's read adds its budget (none set) and its backends (none yet).
    expect((await h.t.call('GET', `/api/applications/${withHost.body.id}`, { token: h.t.tokens.viewer })).body).toEqual(
      {
        ...withHost.body,
        budget: expect.objectContaining({ scope: 'application', min_available: null, source: 'default' }),
        backends: [],
      }
    );
    expect((await h.t.call('GET', '/api/applications')).body.applications).toEqual(
      expect.arrayContaining([withHost.body, bare.body])
    );

    expect((await patch(`/api/applications/${withHost.body.id}`, { name: 'shop-v2' })).body).toMatchObject({
      name: 'shop-v2',
      host_id: host.body.id,
    });
    expect((await patch(`/api/applications/${withHost.body.id}`, { host_id: null })).body).toMatchObject({
      name: 'shop-v2',
      host_id: null,
    });
    expect((await h.t.call('DELETE', `/api/applications/${withHost.body.id}`)).status).toBe(204);
    expectError(await h.t.call('GET', `/api/applications/${withHost.body.id}`), 404, 'not_found');
    expectError(await h.t.call('DELETE', `/api/applications/${withHost.body.id}`), 404, 'not_found');
    expectError(await patch(`/api/applications/${withHost.body.id}`, { name: 'x' }), 404, 'not_found');
  });

  test('a name is unique per host: 409 on create and on update', async () => {
    const host = await post('/api/hosts', hostBody('app-host-2'));
    await createApplication(h, 'billing', host.body.id);
    expectError(await post('/api/applications', { name: 'billing', host_id: host.body.id }), 409, 'conflict');
    await createApplication(h, 'billing-solo');
    expectError(await post('/api/applications', { name: 'billing-solo' }), 409, 'conflict');
    const other = await createApplication(h, 'billing', null);
    expectError(await patch(`/api/applications/${other}`, { host_id: host.body.id }), 409, 'conflict');
  });
});

describe('instances', () => {
  let hostId: number;
  beforeAll(async () => {
    hostId = (await post('/api/hosts', hostBody('inst-host'))).body.id;
  });

  test('create with a scope, read, update, delete', async () => {
    const created = await post('/api/haproxy/instances', {
      host_id: hostId,
      name: 'main',
      socket_path: '/run/haproxy.sock',
      backend_scope: ['web-*', 'api'],
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      host_id: hostId,
      host_name: 'inst-host',
      name: 'main',
      is_active: true,
      socket_path: '/run/haproxy.sock',
      backend_scope: ['web-*', 'api'],
      last_sync_at: null,
      last_sync_success: null,
      breaker_state: 'closed',
      backend_count: 0,
    });
    const id = created.body.id;
    expect((await h.t.call('GET', `/api/haproxy/instances/${id}`, { token: h.t.tokens.viewer })).body).toEqual(
      created.body
    );
    const updated = await patch(`/api/haproxy/instances/${id}`, {
      backend_scope: null,
      is_active: false,
      socket_path: null,
      name: 'main-2',
    });
    expect(updated.body).toMatchObject({ name: 'main-2', backend_scope: null, is_active: false, socket_path: null });
    expect((await h.t.call('GET', `/api/hosts/${hostId}`)).body.instance_count).toBe(1);
    expect((await h.t.call('DELETE', `/api/haproxy/instances/${id}`)).status).toBe(204);
    expectError(await h.t.call('DELETE', `/api/haproxy/instances/${id}`), 404, 'not_found');
    expectError(await patch(`/api/haproxy/instances/${id}`, { name: 'x' }), 404, 'not_found');
  });

  test('a name is unique per host: 409 on create and on rename; a host with another agent may reuse it', async () => {
    await post('/api/haproxy/instances', { host_id: hostId, name: 'twin' });
    expectError(await post('/api/haproxy/instances', { host_id: hostId, name: 'twin' }), 409, 'conflict');
    const second = await post('/api/haproxy/instances', { host_id: hostId, name: 'other' });
    expectError(await patch(`/api/haproxy/instances/${second.body.id}`, { name: 'twin' }), 409, 'conflict');
    // (Behind the same agent it would be the same HAProxy twice: twin-instances.test.ts.)
    const otherHost = await post('/api/hosts', hostBody('inst-host-2', { fagent_url: 'http://agent-2:9000' }));
    expect((await post('/api/haproxy/instances', { host_id: otherHost.body.id, name: 'twin' })).status).toBe(201);
  });

  test('deleting an instance keeps its audit rows, detached', async () => {
    const f = await fleet(h, 'audited', { web: [{ name: 's1', status: 'UP' }] });
    const cmd = await h.t.call('POST', `/api/haproxy/servers/${f.servers['web/s1'].id}/command`, {
      body: { command: 'drain' },
    });
    expect((await h.t.call('DELETE', `/api/haproxy/instances/${f.instanceId}`)).status).toBe(204);
    const audit = await h.t.call('GET', `/api/haproxy/actions?actor=token:bootstrap-admin`);
    expect(audit.body.actions).toContainEqual(
      expect.objectContaining({ id: cmd.body.action.id, server_id: null, instance_id: null, instance_name: 'audited' })
    );
  });
});
