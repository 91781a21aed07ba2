import type { Recorded } from '../support/fake-fagent';
import { command, Fleet, fleet, useHarness } from './helpers';

const h = useHarness();

/** Names an operator may well have in haproxy.cfg, and some that only a hostile one would. */
const INSTANCE = 'lb 1/α%';
const NAMES: Record<string, string[]> = {
  'my backend': ['srv 1', 'srv/2'],
  'a/b': ['100%', '%41'],
  'q"uote\'s': ["o'brien", 'say "hi"'],
  'тест-бэкенд': ['сервер', '日本'],
  'emoji 🙂 + &?#': ['x?y#z', 'plus+and&'],
  // As long as a name may be: 2000 bytes of UTF-8 (what PostgreSQL's indexes on names hold).
  ['я'.repeat(1000)]: ['ж'.repeat(1000), 'x'.repeat(2000)],
};

let f: Fleet;
beforeAll(async () => {
  f = await fleet(
    h,
    INSTANCE,
    Object.fromEntries(
      Object.entries(NAMES).map(([b, servers]) => [b, servers.map((name) => ({ name, status: 'UP' }))])
    )
  );
});

/** What a correct client sends: each name one percent-encoded segment (RFC 3986 unreserved left as is). */
const encoded = (...names: string[]) => names.map(encodeURIComponent);

function expectSegmentsIntact(r: Recorded, names: string[]) {
  // No raw space, quote, %, non-ASCII or / inside a segment: the path splits into exactly the expected parts.
  expect(r.rawPath).toMatch(/^[A-Za-z0-9\-._~!$&'()*+,;=:@/%]+$/);
  expect(r.rawPath).not.toMatch(/%(?![0-9A-F]{2})/);
  expect(r.segments).toEqual(names);
}

test('sync stores every name exactly, and asked the agent with each name as one encoded segment', async () => {
  const stored = Object.keys(f.servers).sort();
  const expected = Object.entries(NAMES)
    .flatMap(([b, servers]) => servers.map((s) => `${b}/${s}`))
    .sort();
  expect(stored).toEqual(expected);
  const backends = await h.t.call('GET', `/api/haproxy/instances/${f.instanceId}/backends`);
  expect(backends.body.backends.map((b: { backend_name: string }) => b.backend_name).sort()).toEqual(
    Object.keys(NAMES).sort()
  );

  for (const backend of Object.keys(NAMES)) {
    const asked = h.agent.requests.filter((r) => r.method === 'GET' && r.segments[4] === backend);
    expect(asked.length).toBeGreaterThan(0);
    for (const r of asked) {
      expect(r.rawPath).toBe(`/api/haproxy/${encoded(INSTANCE, backend).join('/backends/')}/servers`);
      expectSegmentsIntact(r, ['api', 'haproxy', INSTANCE, 'backends', backend, 'servers']);
    }
  }
});

test.each(Object.entries(NAMES).flatMap(([b, servers]) => servers.map((s) => [b, s])))(
  'a command on %s / %s reaches the agent correctly encoded and decodes back to the exact names',
  async (backend, server) => {
    const id = f.servers[`${backend}/${server}`].id;
    const sent = h.agent.requests.length;
    const res = await command(h, id, 'drain');
    expect(res.status).toBe(200);
    expect(res.body.action).toMatchObject({
      instance_name: INSTANCE,
      backend_name: backend,
      server_name: server,
      success: true,
    });
    const [r] = h.agent.requests.slice(sent);
    const [i, b, s] = encoded(INSTANCE, backend, server);
    expect(r.rawPath).toBe(`/api/haproxy/${i}/backends/${b}/servers/${s}/drain`);
    expectSegmentsIntact(r, ['api', 'haproxy', INSTANCE, 'backends', backend, 'servers', server, 'drain']);
    expect(h.agent.server(INSTANCE, backend, server).status).toBe('DRAIN');
  }
);

test('the names survive the next sync unchanged (same rows, no duplicates)', async () => {
  const before = Object.fromEntries(Object.entries(f.servers).map(([k, s]) => [k, s.id]));
  const res = await h.t.call('POST', `/api/haproxy/instances/${f.instanceId}/sync?wait=true`);
  expect(res.body).toMatchObject({ status: 'ok', changed_servers: 0 });
  const after = await h.t.call('GET', `/api/haproxy/servers?instance_id=${f.instanceId}`);
  expect(
    Object.fromEntries(
      after.body.servers.map((s: { backend_name: string; server_name: string; id: number }) => [
        `${s.backend_name}/${s.server_name}`,
        s.id,
      ])
    )
  ).toEqual(before);
});

test('search finds the odd names literally', async () => {
  const find = async (q: string) =>
    (
      await h.t.call('GET', `/api/haproxy/servers?instance_id=${f.instanceId}&q=${encodeURIComponent(q)}`)
    ).body.servers.map((s: { server_name: string }) => s.server_name);
  expect(await find('100%')).toEqual(['100%']);
  expect(await find('%4')).toEqual(['%41']);
  expect(await find('"hi"')).toEqual(['say "hi"']);
  expect(await find('СЕРВЕР')).toEqual(['сервер']);
});

// HAProxy allows `.` in names, so `.` and `..` are names: URL parsing must not resolve them as dot-segments.
test('dot-segment names (`.`, `..`) reach the agent as names, not as path navigation', async () => {
  const dots = await fleet(h, 'dots', { '..': [{ name: '.', status: 'UP' }], web: [{ name: '..', status: 'UP' }] });
  expect(Object.keys(dots.servers).sort()).toEqual(['../.', 'web/..']);
  const sent = h.agent.requests.length;
  expect((await command(h, dots.servers['web/..'].id, 'drain')).status).toBe(200);
  expectSegmentsIntact(h.agent.requests[sent], ['api', 'haproxy', 'dots', 'backends', 'web', 'servers', '..', 'drain']);
});
