import { createInstance } from '../../src/store/instances';
import { expectError, useHarness } from './helpers';

/** One HAProxy registered twice (one instance name under two hosts whose URLs reach one agent) is refused. */
const h = useHarness();

let seq = 0;
const post = (path: string, body: unknown) => h.t.call('POST', path, { body });
const patch = (path: string, body: unknown) => h.t.call('PATCH', path, { body });

async function host(fagentUrl: string): Promise<number> {
  const res = await post('/api/hosts', { name: `twin-host-${++seq}`, address: '10.3.0.1', fagent_url: fagentUrl });
  expect(res.status).toBe(201);
  return res.body.id;
}

async function instance(hostId: number, name: string, extra: Record<string, unknown> = {}): Promise<number> {
  const res = await post('/api/haproxy/instances', { host_id: hostId, name, ...extra });
  expect(res.status).toBe(201);
  return res.body.id;
}

const hostName = async (hostId: number): Promise<string> => (await h.t.call('GET', `/api/hosts/${hostId}`)).body.name;

test('an instance name another host has through the same agent is a 409 naming them, however the URL is spelt', async () => {
  const first = await host('http://gateway-a.example:9100/agent');
  // Inactive, it is still the same HAProxy: activating it would sync it twice.
  await instance(first, 'edge', { is_active: false });
  for (const spelt of [
    'HTTP://Gateway-A.Example:9100/agent/',
    'http://gateway-a.example.:9100/agent//',
    'http://gateway-a.example:9100/agent',
  ]) {
    const other = await host(spelt);
    const res = await post('/api/haproxy/instances', { host_id: other, name: 'edge' });
    expectError(res, 409, 'conflict');
    expect(res.body.error.message).toContain(`host ${await hostName(first)} already has instance edge`);
    expect((await h.t.call('GET', `/api/haproxy/instances?host_id=${other}`)).body.instances).toEqual([]);
  }
  // A default port is no other agent either.
  const plain = await host('https://gateway-b.example:443');
  await instance(plain, 'edge');
  expectError(
    await post('/api/haproxy/instances', { host_id: await host('https://GATEWAY-B.example/'), name: 'edge' }),
    409
  );
});

test('hosts behind one gateway agent keep other names, and another agent may have the same name', async () => {
  const url = 'http://gateway-c.example:9100';
  await instance(await host(url), 'edge');
  await instance(await host(url), 'edge-2');
  await instance(await host('http://gateway-c.example:9101'), 'edge');
  await instance(await host(`${url}/other-prefix`), 'edge');
});

test('a rename that makes an instance a twin is a 409, and the name stays', async () => {
  const url = 'http://gateway-d.example:9100';
  const first = await host(url);
  await instance(first, 'edge');
  const second = await instance(await host(url), 'spare');
  const res = await patch(`/api/haproxy/instances/${second}`, { name: 'edge' });
  expectError(res, 409, 'conflict');
  expect(res.body.error.message).toContain(`host ${await hostName(first)} already has instance edge`);
  expect((await h.t.call('GET', `/api/haproxy/instances/${second}`)).body.name).toBe('spare');
  // Its other settings (its name as it is, as a form sends it) still change.
  expect((await patch(`/api/haproxy/instances/${second}`, { name: 'spare', is_active: false })).status).toBe(200);
});

test("a host's new agent URL that makes one of its instances a twin is a 409, and the URL stays", async () => {
  const first = await host('http://gateway-e.example:9100');
  await instance(first, 'edge');
  const moving = await host('http://gateway-f.example:9100');
  await instance(moving, 'spare');
  await instance(moving, 'edge');
  const res = await patch(`/api/hosts/${moving}`, { fagent_url: 'http://GATEWAY-E.example:9100/', fagent_token: null });
  expectError(res, 409, 'conflict');
  expect(res.body.error.message).toContain(`host ${await hostName(first)} already has instance edge`);
  expect((await h.t.call('GET', `/api/hosts/${moving}`)).body.fagent_url).toBe('http://gateway-f.example:9100');
  // Another agent without that name is fine.
  expect(
    (await patch(`/api/hosts/${moving}`, { fagent_url: 'http://gateway-g.example:9100', fagent_token: null })).status
  ).toBe(200);
});

test('two registrations of one name at once: the second waits for the first and is refused', async () => {
  const url = 'http://gateway-h.example:9100';
  const [a, b] = [await host(url), await host(url)];
  const db = h.t.service.db;
  let commit!: () => void;
  let inserted!: () => void;
  const firstInserted = new Promise<void>((resolve) => (inserted = resolve));
  const first = db.transaction(async (tx) => {
    await createInstance(tx, { host_id: a, name: 'raced' });
    inserted();
    await new Promise<void>((resolve) => (commit = resolve));
  });
  await firstInserted;
  const second = createInstance(db, { host_id: b, name: 'raced' }).then(
    () => 'created',
    (err: { status?: number }) => err.status
  );
  const early = await Promise.race([second, new Promise((resolve) => setTimeout(() => resolve('waiting'), 300))]);
  commit();
  await first;
  expect(early).toBe('waiting');
  expect(await second).toBe(409);
});
