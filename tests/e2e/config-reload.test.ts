import { Stack, startStack, StoredServer, TestHaproxyConfig, Upstreams } from './support';

const web = (u: Upstreams) => ({ name: 'web', servers: [{ name: 'w1', address: u.healthy.address }] });
const api = (u: Upstreams) => ({
  name: 'api',
  lines: ['option httpchk GET /health'],
  servers: [
    { name: 'a1', address: u.healthy.address, options: 'check' },
    { name: 'a2', address: u.healthy.address },
  ],
});
const withApi = (u: Upstreams): TestHaproxyConfig => ({ backends: [web(u), api(u)] });
const withoutApi = (u: Upstreams): TestHaproxyConfig => ({ backends: [web(u)] });

interface RemovedAt {
  id: number;
  removed_at: Date | null;
}

describe('a backend removed from the HAProxy config and put back', () => {
  let stack: Stack;
  let original: StoredServer[];

  /** The stored rows themselves: the API hides removed ones, the soft delete keeps them. */
  const rows = async (table: 'haproxy_backends' | 'haproxy_servers', ids: number[]): Promise<RemovedAt[]> =>
    stack.service.db.ds.query(`SELECT id, removed_at FROM ${table} WHERE id = ANY($1::int[]) ORDER BY id`, [ids]);
  const backendNames = async (): Promise<string[]> =>
    (await stack.service.call('GET', `/api/haproxy/instances/${stack.instanceId}/backends`)).body.backends.map(
      (b: { backend_name: string }) => b.backend_name
    );

  beforeAll(async () => {
    stack = await startStack({ haproxy: withApi });
    await stack.haproxy.waitForStatus('api', 'a1', 'UP');
    expect((await stack.sync()).status).toBe('ok');
    original = await stack.servers();
    expect(original).toHaveLength(3);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('is held first (2 of 3 servers at once), soft-deleted when an admin confirms: rows kept with removed_at', async () => {
    await stack.haproxy.reload(withoutApi(stack.upstreams));
    expect(await stack.haproxy.serverStatus('api', 'a1')).toBeUndefined();

    expect(await stack.sync()).toMatchObject({ status: 'ok', backends: 1, servers: 1, removals_held: true });
    expect(await backendNames()).toEqual(['api', 'web']);
    expect(await stack.instance()).toMatchObject({
      suspicious_answer: expect.objectContaining({ backends_removed: 1, servers_removed: 2, servers_total: 3 }),
    });
    const confirmed = await stack.service.call('POST', `/api/haproxy/instances/${stack.instanceId}/removals/confirm`);
    expect(confirmed).toMatchObject({ status: 200, body: { removed_backends: 1, removed_servers: 2 } });

    expect(await backendNames()).toEqual(['web']);
    expect((await stack.servers()).map((s) => `${s.backend_name}/${s.server_name}`)).toEqual(['web/w1']);
    expect(await stack.instance()).toMatchObject({ backend_count: 1, server_count: 1 });

    const apiServers = original.filter((s) => s.backend_name === 'api');
    const [backend] = await rows('haproxy_backends', [apiServers[0].backend_id]);
    expect(backend.removed_at).toBeInstanceOf(Date);
    const servers = await rows(
      'haproxy_servers',
      apiServers.map((s) => s.id)
    );
    expect(servers.map((s) => s.removed_at)).toEqual([expect.any(Date), expect.any(Date)]);
    // The backend that stayed is untouched.
    const [w1] = await rows('haproxy_servers', [original.find((s) => s.server_name === 'w1')!.id]);
    expect(w1.removed_at).toBeNull();
  });

  it('is restored with the same ids when put back, and history says so', async () => {
    await stack.haproxy.reload(withApi(stack.upstreams));
    await stack.haproxy.waitForStatus('api', 'a1', 'UP');

    expect(await stack.sync()).toMatchObject({ status: 'ok', backends: 2, servers: 3 });
    expect((await backendNames()).sort()).toEqual(['api', 'web']);
    const restored = await stack.servers();
    const ids = (list: StoredServer[]) => list.map((s) => [s.backend_name, s.server_name, s.backend_id, s.id]);
    expect(ids(restored)).toEqual(ids(original));
    expect(
      (
        await rows(
          'haproxy_servers',
          restored.map((s) => s.id)
        )
      ).every((r) => r.removed_at === null)
    ).toBe(true);

    const a1 = restored.find((s) => s.server_name === 'a1')!;
    const [latest] = await stack.history(a1.id);
    expect(latest).toMatchObject({ from_status: 'UP', to_status: 'UP', cause: 'restored' });
  });
});
