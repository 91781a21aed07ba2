import { globProblem } from '../../src/domain/glob';
import { expectError, fleet, Fleet, trendQuery, useHarness } from './helpers';

/** Input a sloppy or hostile client sends that once got a 500, or was taken and stored as something else. */
const h = useHarness();
let f: Fleet;

beforeAll(async () => {
  f = await fleet(h, 'input-edges', { web: [{ name: 's1', status: 'UP' }] });
});

const adminChanges = async () => (await h.t.call('GET', '/api/admin/changes')).body.total as number;

describe('globs JavaScript reads and PostgreSQL refuses', () => {
  // picomatch writes `{1..3..x}` as [1-3-x] (a `-` after a range), `{a..c..0}` as [0-a-c], and passes an unknown
  // POSIX class through: JavaScript takes them, PostgreSQL answers "invalid character range / class".
  const refused = ['x{1..3..x}', 'a{1..3..0}*', '{a..c..0}', '[[:foo:]]', 'web-[[:ALPHA:]]*'];

  test.each(refused)('%s: a 400 on every route that takes a glob, nothing stored', async (glob) => {
    const before = await adminChanges();
    const answers = [
      await h.t.call('GET', `/api/haproxy/lookup/servers?instance=${encodeURIComponent(glob)}`),
      await h.t.call('POST', '/api/haproxy/query', {
        body: { ...trendQuery(), queries: [{ refId: 'A', type: 'sessions', scope: { backend: glob } }] },
      }),
      await h.t.call('POST', `/api/haproxy/instances/${f.instanceId}/scope-preview`, { body: { scope: [glob] } }),
      await h.t.call('PATCH', `/api/haproxy/instances/${f.instanceId}`, { body: { backend_scope: ['web', glob] } }),
      await h.t.call('POST', '/api/haproxy/instances', {
        body: { host_id: f.hostId, name: 'never-stored', backend_scope: [glob] },
      }),
    ];
    for (const res of answers) {
      expectError(res, 400, 'bad_request');
      expect(res.body.error.message).toMatch(/is not a glob PostgreSQL can match/);
    }
    const instances = (await h.t.call('GET', '/api/haproxy/instances')).body.instances;
    expect(instances.map((i: { name: string; backend_scope: unknown }) => [i.name, i.backend_scope])).toEqual([
      ['input-edges', null],
    ]);
    expect(await adminChanges()).toBe(before);
  });

  test('every glob the API takes is one PostgreSQL compiles, and the usual ones are still taken', async () => {
    const globs = [
      ...refused,
      ...['web-*', 'web-?', '[a-z]*', '[!ab]*', '[a-zA-Z0-9]', '[-a]', '[a-]', '{1..3}', '{1..10}', '{a..c}'],
      ...['[[:alpha:]]', '[[:digit:]-]', '[\\]-a]', '{a,b}*', 'x{1..3..2}', '[z-a]', '{a..Z}', '[a-z-9]', '[🙂-a]'],
    ];
    const taken = globs.filter((g) => globProblem(g) === undefined);
    expect(taken).toEqual(expect.arrayContaining(['web-*', '[a-z]*', '[!ab]*', '{1..3}', '{1..10}', '[[:alpha:]]']));
    for (const glob of taken) {
      const res = await h.t.call('GET', `/api/haproxy/lookup/servers?backend=${encodeURIComponent(glob)}`);
      expect([glob, res.status]).toEqual([glob, 200]);
    }
  });
});

describe('a body that is not UTF-8', () => {
  const send = (path: string, body: Buffer, token = h.t.tokens.admin) =>
    fetch(h.t.url + path, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body,
    }).then(async (res) => ({ status: res.status, body: (await res.json()) as any }));
  const latin1 = (json: string) => Buffer.from(json, 'latin1');

  test.each([
    ['Latin-1 (Café)', latin1('{"name":"Caf\u00e9"}')],
    ['a lone continuation byte', Buffer.concat([Buffer.from('{"name":"c'), Buffer.from([0x80]), Buffer.from('"}')])],
    [
      'an encoded surrogate (CESU-8)',
      Buffer.concat([Buffer.from('{"name":"s'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]),
    ],
  ])('%s: a 400, not a name stored with U+FFFD in it', async (_, bytes) => {
    const before = await adminChanges();
    const res = await send('/api/applications', bytes);
    expectError(res, 400, 'bad_request');
    expect(res.body.error.message).toBe('body is not valid UTF-8');
    expect((await h.t.call('GET', '/api/applications')).body.applications).toEqual([]);
    expect(await adminChanges()).toBe(before);
  });

  test('the same name in UTF-8 is taken as sent', async () => {
    const res = await send('/api/applications', Buffer.from('{"name":"Caf\u00e9 \ud83d\ude42"}', 'utf8'));
    expect([res.status, res.body.name]).toEqual([201, 'Caf\u00e9 \ud83d\ude42']);
    expect((await h.t.call('DELETE', `/api/applications/${res.body.id}`)).status).toBe(204);
  });
});

describe('a caller below the route’s role gets its 403 before its body is judged', () => {
  const raw = (path: string, token: string, body: string, type = 'application/json', method = 'POST') =>
    h.t.rawCall(method, path, { token, body, headers: { 'content-type': type } });
  const cases = () =>
    [
      ['broken JSON', () => raw('/api/applications', h.t.tokens.operator, '{"name":')],
      ['a body that is not JSON', () => raw('/api/hosts', h.t.tokens.viewer, '<host/>', 'application/xml')],
      [
        'a body over the limit',
        () => raw('/api/tokens', h.t.tokens.operator, JSON.stringify({ n: 'x'.repeat(1_000_001) })),
      ],
      [
        'NUL in the body',
        () =>
          raw(
            `/api/haproxy/servers/${f.servers['web/s1'].id}/command`,
            h.t.tokens.viewer,
            '{"command":"drain\\u0000"}'
          ),
      ],
      [
        'a bad scope',
        () =>
          raw(
            `/api/haproxy/instances/${f.instanceId}`,
            h.t.tokens.operator,
            '{"backend_scope":7}',
            'application/json',
            'PATCH'
          ),
      ],
    ] as const;

  test.each(cases().map(([what], i) => [what, i] as const))('%s: 403', async (_, i) => {
    const before = await adminChanges();
    const res = await cases()[i][1]();
    expectError(res, 403, 'forbidden');
    expect(await adminChanges()).toBe(before);
  });

  test('with the role, the same requests are refused for what they are', async () => {
    const admin = h.t.tokens.admin;
    expectError(await raw('/api/applications', admin, '{"name":'), 400, 'bad_request');
    expectError(await raw('/api/hosts', admin, '<host/>', 'application/xml'), 415, 'unsupported_media_type');
    expectError(
      await raw('/api/tokens', admin, JSON.stringify({ n: 'x'.repeat(1_000_001) })),
      413,
      'payload_too_large'
    );
  });
});

describe('counts in a query are decimal digits, as ids are', () => {
  test.each(['limit=1e3', 'limit=0x10', 'limit=%201', 'limit=1%20', 'limit=', 'offset=', 'offset=1e2', 'limit=+5'])(
    'servers?%s: a 400, not a count coercion made up',
    async (query) => {
      const res = await h.t.call('GET', `/api/haproxy/servers?${query}`);
      expectError(res, 400, 'bad_request');
      expect(res.body.error.message).toMatch(/^(limit|offset): must be a whole number$/);
    }
  );

  test.each([
    ['/api/haproxy/removed?days=1e1', 'days'],
    ['/api/haproxy/removed?days=%207', 'days'],
    ['/api/haproxy/actions?limit=0x10', 'limit'],
    ['/api/admin/changes?limit=1e2', 'limit'],
  ])('%s: a 400', async (path, field) => {
    const res = await h.t.call('GET', path);
    expectError(res, 400, 'bad_request');
    expect(res.body.error.message).toBe(`${field}: must be a whole number`);
  });

  test('a sync’s wait_ms too, before anything is synced', async () => {
    const res = await h.t.call('POST', `/api/haproxy/instances/${f.instanceId}/sync?wait_ms=1e3`);
    expectError(res, 400, 'bad_request');
    expect(res.body.error.message).toBe('wait_ms: must be a whole number');
  });

  test('digits are still counts', async () => {
    const res = await h.t.call('GET', '/api/haproxy/servers?limit=007&offset=0');
    expect([res.status, res.body.servers.length]).toEqual([200, 1]);
    expect((await h.t.call('GET', '/api/haproxy/removed?days=30')).status).toBe(200);
  });
});

test('a timeline that ends early in the year 0000 starts at its beginning, not in the year -1', async () => {
  const res = await h.t.call(
    'GET',
    `/api/haproxy/servers/${f.servers['web/s1'].id}/timeline?until=0000-01-03T00:00:00Z`
  );
  expect([res.status, res.body.since, res.body.until]).toEqual([
    200,
    '0000-01-01T00:00:00.000Z',
    '0000-01-03T00:00:00.000Z',
  ]);
});
