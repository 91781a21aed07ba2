import type { FakeServer } from '../support/fake-fagent';
import { command, expectError, fleet, Fleet, syncNow, useHarness } from './helpers';

/**
 * The reads the HAProxy page is made of (issue 11): backends in natural order a keyset page at a time, filtered
 * by what their servers are, each with how many it shows; a backend's servers the same way; ETag and 304.
 */
const h = useHarness();
let a: Fleet;
let b: Fleet;

const up = (name: string, address = `10.0.0.1:80`): FakeServer => ({ name, status: 'UP', address });
const down = (name: string): FakeServer => ({ name, status: 'DOWN', address: '10.9.9.9:80' });

beforeAll(async () => {
  // Instances named so that text order and natural order differ: page-2 before page-10.
  a = await fleet(h, 'page-10', { backend_1: [up('srv1')], backend_10: [up('srv1')] });
  b = await fleet(h, 'page-2', {
    backend_10: [up('srv10'), up('srv9'), down('srv2'), up('srv1', '192.168.7.7:80')],
    backend_2: [up('srv1'), down('srv2')],
    backend_1: [],
    payments: [],
  });
});

const get = async (path: string) => {
  const res = await h.t.call('GET', path, { token: h.t.tokens.viewer });
  expect([path, res.status]).toEqual([path, 200]);
  return res.body;
};
/** The page's backends as `instance/backend:shown`, the fleet of this file only. */
const listed = (body: { backends: Array<{ instance_name: string; name: string; shown: number }> }) =>
  body.backends
    .filter((x) => x.instance_name.startsWith('page-'))
    .map((x) => `${x.instance_name}/${x.name}:${x.shown}`);

test('backends come in natural order by instance and name, a keyset page at a time, each once', async () => {
  const seen: string[] = [];
  let after: string | null = null;
  let pages = 0;
  do {
    const body: {
      backends: Array<{ name: string; instance_name: string; shown: number }>;
      total: number;
      next: string | null;
    } = await get(`/api/haproxy/backends?q=page-&limit=2${after ? `&after=${after}` : ''}`);
    expect(body.total).toBe(6);
    expect(body.backends.length).toBeLessThanOrEqual(2);
    seen.push(...listed(body));
    after = body.next;
    pages++;
  } while (after);
  expect(pages).toBe(3);
  expect(seen).toEqual([
    'page-2/backend_1:0',
    'page-2/backend_2:2',
    'page-2/backend_10:4',
    'page-2/payments:0',
    'page-10/backend_1:1',
    'page-10/backend_10:1',
  ]);
});

test('a backend that comes before the page being read is not repeated on the next page (keyset, not offset)', async () => {
  const first = await get(`/api/haproxy/backends?instance_id=${b.instanceId}&limit=2`);
  expect(listed(first)).toEqual(['page-2/backend_1:0', 'page-2/backend_2:2']);
  h.agent.setBackend('page-2', 'backend_0', [up('new')]);
  await syncNow(h, b.instanceId);
  const second = await get(`/api/haproxy/backends?instance_id=${b.instanceId}&limit=2&after=${first.next}`);
  expect(listed(second)).toEqual(['page-2/backend_10:4', 'page-2/payments:0']);
  expect(second.total).toBe(5);
  h.agent.removeBackend('page-2', 'backend_0');
  await syncNow(h, b.instanceId);
});

test('server filters list the backends with a server they select, and say how many each shows', async () => {
  expect(listed(await get('/api/haproxy/backends?q=page-&status=DOWN'))).toEqual([
    'page-2/backend_2:1',
    'page-2/backend_10:1',
  ]);
  expect(listed(await get('/api/haproxy/backends?q=page-&status=down,up&instance_id=' + a.instanceId))).toEqual([
    'page-10/backend_1:1',
    'page-10/backend_10:1',
  ]);
  // A server's name or address.
  expect(listed(await get('/api/haproxy/backends?q=page-&server_q=SRV9'))).toEqual(['page-2/backend_10:1']);
  expect(listed(await get('/api/haproxy/backends?q=page-&server_q=192.168.7'))).toEqual(['page-2/backend_10:1']);
  // A backend's name selects all its servers, and finds a backend without servers.
  expect(listed(await get('/api/haproxy/backends?q=page-&server_q=backend_1'))).toEqual([
    'page-2/backend_1:0',
    'page-2/backend_10:4',
    'page-10/backend_1:1',
    'page-10/backend_10:1',
  ]);
  expect(listed(await get('/api/haproxy/backends?server_q=paym'))).toEqual(['page-2/payments:0']);
  // With a status, only servers count: the empty backend is not listed.
  expect(listed(await get('/api/haproxy/backends?q=page-&server_q=backend_1&status=DOWN'))).toEqual([
    'page-2/backend_10:1',
  ]);
  // % and _ are text, not wildcards.
  expect(listed(await get('/api/haproxy/backends?q=page-&server_q=%25'))).toEqual([]);
  expect((await get('/api/haproxy/backends?q=page-&status=DOWN')).total).toBe(2);
});

test("a backend's servers in natural order, with the page's filters, a keyset page at a time", async () => {
  const backend = b.backendIds.backend_10;
  const all = await get(`/api/haproxy/servers?backend_id=${backend}&limit=3`);
  expect(all.servers.map((s: { server_name: string }) => s.server_name)).toEqual(['srv1', 'srv2', 'srv9']);
  expect(all.total).toBe(4);
  const rest = await get(`/api/haproxy/servers?backend_id=${backend}&limit=3&after=${all.next}`);
  expect(rest.servers.map((s: { server_name: string }) => s.server_name)).toEqual(['srv10']);
  expect(rest.next).toBeNull();
  const up = await get(`/api/haproxy/servers?backend_id=${backend}&status=UP&q=srv1`);
  expect(up.servers.map((s: { server_name: string }) => s.server_name)).toEqual(['srv1', 'srv10']);
});

test('a cursor that is not a `next` of the list is a 400, whatever it holds', async () => {
  const bad = (key: unknown) => Buffer.from(JSON.stringify(key)).toString('base64url');
  for (const after of ['nonsense', bad(['a', 'b']), bad(['a', 'b', 'x']), bad(['a', 'b\u0000', 1]), bad([1, 'b', 1])]) {
    expectError(await h.t.call('GET', `/api/haproxy/backends?after=${after}`), 400, 'bad_request');
  }
  expectError(await h.t.call('GET', `/api/haproxy/servers?after=${bad(['a', 'b', 1])}`), 400, 'bad_request');
  // A name that is SQL is a name: nothing sorts after it here.
  expect((await get(`/api/haproxy/backends?after=${bad(["x' OR 1=1 --", 'b', 1])}`)).backends).toEqual([]);
});

test('a read answered before is 304 without a body until what it says changes', async () => {
  const path = `/api/haproxy/servers?backend_id=${b.backendIds.backend_2}`;
  const first = await h.t.call('GET', path);
  const etag = first.headers.get('etag')!;
  expect(etag).toMatch(/^"[\w-]+"$/);
  expect(first.headers.get('cache-control')).toBe('private, no-cache');
  const again = await h.t.call('GET', path, { headers: { 'if-none-match': `"other", W/${etag}` } });
  expect(again.status).toBe(304);
  expect(again.body).toBeUndefined();
  expect(again.headers.get('etag')).toBe(etag);

  expect((await command(h, b.servers['backend_2/srv1'].id, 'drain')).status).toBe(200);
  const changed = await h.t.call('GET', path, { headers: { 'if-none-match': etag } });
  expect(changed.status).toBe(200);
  expect(changed.headers.get('etag')).not.toBe(etag);
  expect(changed.body.servers.find((s: { server_name: string }) => s.server_name === 'srv1').status).toBe('DRAIN');
  // Errors and writes carry no ETag.
  const refused = await h.t.call('GET', '/api/haproxy/servers?limit=0');
  expect(refused.status).toBe(400);
  expect(refused.headers.get('etag')).toBeNull();
  await command(h, b.servers['backend_2/srv1'].id, 'ready');
});
