import http from 'node:http';
import { HTTP_METHODS, openapi } from '../support/openapi';
import { createApplication, expectError, fleet, Fleet, useHarness } from './helpers';

const MAX_BODY = 4096;
const h = useHarness({ maxBodyBytes: MAX_BODY });
let f: Fleet;

beforeAll(async () => {
  f = await fleet(h, 'input', { web: [{ name: 's1', status: 'UP' }] });
});

/** Every documented operation, with `{id}` filled in. */
const operations = (id: string) =>
  Object.entries(openapi.paths).flatMap(([path, item]) =>
    HTTP_METHODS.filter((m) => item[m]).map((m) => ({
      method: m.toUpperCase(),
      template: path,
      path: path.replace('{id}', id),
      hasBody: !!(item[m] as { requestBody?: unknown }).requestBody,
    }))
  );
const withId = (id: string) => operations(id).filter((o) => o.template.includes('{id}'));
const withBody = () => operations(String(f.servers['web/s1'].id)).filter((o) => o.hasBody);

describe('ids', () => {
  test.each(['abc', '-1', '1.5', '99999999999', '0', '0x10', '1e3', '%201', 'true'])(
    '%s in a path is a 400 on every route',
    async (bad) => {
      for (const o of withId(bad)) {
        expectError(await h.t.call(o.method, o.path), 400, 'bad_request');
      }
    }
  );

  test('a missing record is a 404 on every route with an id', async () => {
    for (const o of withId('2147483647')) {
      // Bodies are checked before the lookup: the routes that take one get a valid one.
      const bodies: Record<string, unknown> = {
        'POST /api/haproxy/servers/{id}/command': { command: 'drain' },
        'PUT /api/haproxy/servers/{id}/mapping': { application_id: null },
        'POST /api/haproxy/instances/{id}/scope-preview': { scope: null },
        'PATCH /api/haproxy/windows/{id}': { duration_s: 600 },
        'PUT /api/haproxy/backends/{id}/budget': { min_available: 1 },
        'PUT /api/applications/{id}/budget': { min_available: 1 },
      };
      const body = bodies[`${o.method} ${o.template}`] ?? (o.method === 'PATCH' ? { name: 'x' } : undefined);
      // Jobs have UUIDs for ids.
      const path = o.template.startsWith('/api/haproxy/operations/')
        ? o.template.replace('{id}', '00000000-0000-4000-8000-000000000000')
        : o.path;
      expectError(await h.t.call(o.method, path, { body }), 404, 'not_found');
    }
  });

  test.each([
    '/api/haproxy/instances?server_id=abc',
    '/api/haproxy/instances?host_id=1.5',
    '/api/haproxy/servers?instance_id=-1',
    '/api/haproxy/servers?backend_id=99999999999',
    '/api/haproxy/servers?application_id=0x1',
    '/api/haproxy/actions?server_id=abc',
    '/api/haproxy/actions?instance_id=1&instance_id=2',
  ])('query id %s is a 400', async (path) => {
    expectError(await h.t.call('GET', path), 400, 'bad_request');
  });
});

describe('query parameters', () => {
  test.each([
    '/api/haproxy/instances?is_active=yes',
    '/api/haproxy/servers?status=FOO',
    '/api/haproxy/servers?status=',
    '/api/haproxy/servers?limit=0',
    '/api/haproxy/servers?limit=50001',
    '/api/haproxy/servers?offset=-1',
    '/api/haproxy/servers?q=' + 'x'.repeat(201),
    '/api/haproxy/servers/1/history?since=yesterday',
    '/api/haproxy/servers/1/history?until=2026-13-01T00:00:00Z',
    '/api/haproxy/servers/1/history?since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z',
    '/api/haproxy/actions?command=reboot',
    '/api/haproxy/actions?source=cron',
    '/api/haproxy/actions?success=yes',
    '/api/haproxy/actions?operation_id=not-a-uuid',
    '/api/haproxy/actions?since=2026-01-01',
    '/api/haproxy/actions?limit=1001',
  ])('%s is a 400', async (path) => {
    expectError(await h.t.call('GET', path), 400, 'bad_request');
  });

  test('sync ?wait takes true or false only', async () => {
    expectError(await h.t.call('POST', `/api/haproxy/instances/${f.instanceId}/sync?wait=1`), 400, 'bad_request');
  });
});

describe('text PostgreSQL cannot store (NUL, lone surrogates): a 400 saying where, never a 500', () => {
  test('in a query parameter, on every route', async () => {
    for (const o of operations(String(f.servers['web/s1'].id)).filter((x) => x.path.startsWith('/api/'))) {
      const res = await h.t.call(o.method, `${o.path.replace('{kind}', 'servers')}?q=a%00b`);
      expectError(res, 400, 'bad_request');
      expect([o.template, res.body.error.message]).toEqual([
        o.template,
        'q: must not contain NUL characters (\\u0000)',
      ]);
    }
  });

  test('in a body, at any depth, on every route with a body', async () => {
    for (const o of withBody()) {
      const res = await h.t.call(o.method, o.path, { body: { command: 'drain', deep: [{ x: 'a\u0000' }] } });
      expectError(res, 400, 'bad_request');
      expect(res.body.error.message).toBe('deep.0.x: must not contain NUL characters (\\u0000)');
    }
  });

  test.each([
    ['GET', '/api/haproxy/servers?q=%00', undefined],
    ['GET', '/api/haproxy/actions?actor=token%00x', undefined],
    ['GET', '/api/haproxy/lookup/servers?instance=a%00', undefined],
    ['POST', '/api/hosts', { name: 'nul', address: 'a', fagent_url: 'http://a:1', fagent_token: 'x\u0000' }],
    ['POST', '/api/applications', { name: 'a\u0000b' }],
    [
      'POST',
      '/api/haproxy/query',
      { range: { from: 0, to: 1 }, maxDataPoints: 1, queries: [{ refId: '\u0000', type: 'weight' }] },
    ],
  ])('%s %s (once a 500)', async (method, path, body) => {
    expectError(await h.t.call(method, path, { body }), 400, 'bad_request');
  });

  test('a lone surrogate (not Unicode: jsonb refuses it, text would store U+FFFD) is a 400 too', async () => {
    const res = await h.t.call('PATCH', `/api/haproxy/instances/${f.instanceId}`, {
      body: { backend_scope: ['web', '\ud800'] },
    });
    expectError(res, 400, 'bad_request');
    expect(res.body.error.message).toBe(
      'backend_scope.1: must be valid Unicode (a lone UTF-16 surrogate such as \\ud800 is not)'
    );
    expect((await h.t.call('POST', '/api/applications', { body: { name: 'ok \ud83d\udca5' } })).status).toBe(201);
  });

  test('other control characters where they would be stored are refused too', async () => {
    const res = await h.t.call('POST', '/api/haproxy/instances', {
      body: { host_id: f.hostId, name: 'ctl', socket_path: '/run/a\nb.sock' },
    });
    expectError(res, 400, 'bad_request');
    expect(res.body.error.message).toBe('socket_path: must not contain control characters');
  });
});

describe('bodies', () => {
  test('broken JSON is a 400 on every route with a body', async () => {
    for (const o of withBody()) {
      expectError(await h.t.call(o.method, o.path, { body: '{"command": "drain",' }), 400, 'bad_request');
    }
  });

  test('a body that is not application/json is a 415', async () => {
    for (const o of withBody()) {
      const res = await h.t.call(o.method, o.path, {
        body: 'command=drain',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expectError(res, 415, 'unsupported_media_type');
    }
  });

  test('a body over the limit is a 413, declared or streamed', async () => {
    const big = JSON.stringify({ name: 'x'.repeat(MAX_BODY) });
    for (const o of withBody()) {
      expectError(await h.t.call(o.method, o.path, { body: big }), 413, 'payload_too_large');
    }
    // Chunked, no content-length: the limit applies while reading.
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const url = new URL(h.t.url);
      const req = http.request(
        {
          host: url.hostname,
          port: url.port,
          method: 'POST',
          path: '/api/hosts',
          headers: { authorization: `Bearer ${h.t.tokens.admin}`, 'content-type': 'application/json' },
        },
        (r) => {
          let text = '';
          r.on('data', (c) => (text += c));
          r.on('end', () => resolve({ status: r.statusCode!, body: text }));
        }
      );
      req.on('error', reject);
      for (let i = 0; i < 10; i++) {
        req.write('x'.repeat(1000));
      }
      req.end();
    });
    expectError({ status: res.status, body: JSON.parse(res.body) }, 413, 'payload_too_large');
  });

  test.each([null, [], 'drain', 42, true])('%j as the whole body is a 400 on every route with a body', async (body) => {
    for (const o of withBody()) {
      expectError(await h.t.call(o.method, o.path, { body: JSON.stringify(body) }), 400, 'bad_request');
    }
  });

  const server = () => f.servers['web/s1'].id;
  test.each<[string, () => string, unknown]>([
    ['unknown command reboot', () => `/api/haproxy/servers/${server()}/command`, { command: 'reboot' }],
    ['command in upper case', () => `/api/haproxy/servers/${server()}/command`, { command: 'DRAIN' }],
    ['command of the wrong type', () => `/api/haproxy/servers/${server()}/command`, { command: 1 }],
    ['no command', () => `/api/haproxy/servers/${server()}/command`, {}],
    [
      'source ui claimed by the caller',
      () => `/api/haproxy/servers/${server()}/command`,
      { command: 'drain', source: 'ui' },
    ],
    [
      'an extra field on a command',
      () => `/api/haproxy/servers/${server()}/command`,
      { command: 'drain', force: true },
    ],
    ['bulk without a selection', () => '/api/haproxy/commands/bulk', { command: 'drain' }],
    ['bulk with empty server_ids', () => '/api/haproxy/commands/bulk', { command: 'drain', server_ids: [] }],
    ['bulk with string ids', () => '/api/haproxy/commands/bulk', { command: 'drain', server_ids: ['1'] }],
    [
      'bulk with concurrency 0',
      () => '/api/haproxy/commands/bulk',
      { command: 'drain', server_ids: [1], concurrency: 0 },
    ],
    [
      'bulk with an extra field',
      () => '/api/haproxy/commands/bulk',
      { command: 'drain', server_ids: [1], preview: true },
    ],
    ['bulk with an unknown command', () => '/api/haproxy/commands/bulk', { command: 'reboot', server_ids: [1] }],
  ])('%s is a 400', async (_what, path, body) => {
    const res = await h.t.call('POST', path(), { body, token: h.t.tokens.operator });
    expectError(res, 400, 'bad_request');
  });

  test('a rejected command reaches neither the agent nor the audit log', async () => {
    const before = h.agent.requests.length;
    await h.t.call('POST', `/api/haproxy/servers/${server()}/command`, { body: { command: 'reboot' } });
    expect(h.agent.requests.length).toBe(before);
    expect((await h.t.call('GET', '/api/haproxy/actions')).body.total).toBe(0);
  });

  test.each<[string, unknown]>([
    ['application_id missing', {}],
    ['application_id a string', { application_id: '1' }],
    ['application_id true', { application_id: true }],
    ['unknown kind', { application_id: null, kind: 'guess' }],
    ['an extra field', { application_id: null, note: 'x' }],
  ])('mapping with %s is a 400', async (_what, body) => {
    expectError(await h.t.call('PUT', `/api/haproxy/servers/${server()}/mapping`, { body }), 400, 'bad_request');
  });

  test.each<[string, string, () => unknown]>([
    ['host without fagent_url', 'POST /api/hosts', () => ({ name: 'x', address: 'a' })],
    ['host with an ftp URL', 'POST /api/hosts', () => ({ name: 'x', address: 'a', fagent_url: 'ftp://a/' })],
    ['host with a non-URL', 'POST /api/hosts', () => ({ name: 'x', address: 'a', fagent_url: 'not a url' })],
    ['host with a blank name', 'POST /api/hosts', () => ({ name: '   ', address: 'a', fagent_url: 'http://a' })],
    [
      'host with a control character',
      'POST /api/hosts',
      () => ({ name: 'a\u0007b', address: 'a', fagent_url: 'http://a' }),
    ],
    [
      'host with a 201-character name',
      'POST /api/hosts',
      () => ({ name: 'x'.repeat(201), address: 'a', fagent_url: 'http://a' }),
    ],
    [
      'host with is_active "true"',
      'POST /api/hosts',
      () => ({ name: 'x', address: 'a', fagent_url: 'http://a', is_active: 'true' }),
    ],
    [
      'host with a misspelled field',
      'POST /api/hosts',
      () => ({ name: 'x', address: 'a', fagent_url: 'http://a', fagent_tokn: 't' }),
    ],
    ['host update with nothing', 'PATCH /api/hosts/{host}', () => ({})],
    ['host update with an unknown field', 'PATCH /api/hosts/{host}', () => ({ id: 5 })],
    ['host update with a null name', 'PATCH /api/hosts/{host}', () => ({ name: null })],
    [
      'instance with host_id as a string',
      'POST /api/haproxy/instances',
      () => ({ host_id: String(f.hostId), name: 'x' }),
    ],
    ['instance with host_id true', 'POST /api/haproxy/instances', () => ({ host_id: true, name: 'x' })],
    ['instance with host_id [1]', 'POST /api/haproxy/instances', () => ({ host_id: [f.hostId], name: 'x' })],
    [
      'instance with a host that does not exist',
      'POST /api/haproxy/instances',
      () => ({ host_id: 2147483647, name: 'x' }),
    ],
    [
      'instance with an empty backend_scope',
      'POST /api/haproxy/instances',
      () => ({ host_id: f.hostId, name: 'x', backend_scope: [] }),
    ],
    [
      'instance with a string backend_scope',
      'POST /api/haproxy/instances',
      () => ({ host_id: f.hostId, name: 'x', backend_scope: 'web' }),
    ],
    [
      'instance with a backend_scope glob PostgreSQL cannot match',
      'POST /api/haproxy/instances',
      () => ({ host_id: f.hostId, name: 'x', backend_scope: ['web', 'web-{..}'] }),
    ],
    [
      'instance with an extra field',
      'POST /api/haproxy/instances',
      () => ({ host_id: f.hostId, name: 'x', socket: '/run/x' }),
    ],
    ['instance update moving host', 'PATCH /api/haproxy/instances/{instance}', () => ({ host_id: f.hostId })],
    ['instance update with nothing', 'PATCH /api/haproxy/instances/{instance}', () => ({})],
    ['application with a name of the wrong type', 'POST /api/applications', () => ({ name: 7 })],
    [
      'application with a host that does not exist',
      'POST /api/applications',
      () => ({ name: 'x', host_id: 2147483647 }),
    ],
    ['application with host_id 1.5', 'POST /api/applications', () => ({ name: 'x', host_id: 1.5 })],
    ['application with an extra field', 'POST /api/applications', () => ({ name: 'x', owner: 'me' })],
    ['application update with nothing', 'PATCH /api/applications/{application}', () => ({})],
  ])('%s is a 400', async (_what, route, body) => {
    const appId = route.includes('{application}') ? await createApplication(h, `bad-input-${Math.random()}`) : 0;
    const [method, template] = route.split(' ');
    const path = template
      .replace('{host}', String(f.hostId))
      .replace('{instance}', String(f.instanceId))
      .replace('{application}', String(appId));
    expectError(await h.t.call(method, path, { body: body() }), 400, 'bad_request');
  });
});

describe('routes', () => {
  test('an unknown route is a JSON 404, a wrong method a JSON 405, with or without a token', async () => {
    for (const token of [undefined, null]) {
      expectError(await h.t.rawCall('GET', '/api/nope', { token }), 404, 'not_found');
      expectError(await h.t.rawCall('GET', `/api/hosts/${f.hostId}/nope`, { token }), 404, 'not_found');
      expectError(await h.t.rawCall('PUT', '/api/hosts', { token }), 405, 'method_not_allowed');
      expectError(await h.t.rawCall('POST', '/api/haproxy/summary', { token }), 405, 'method_not_allowed');
    }
  });

  test('a 405 and an OPTIONS name every method of the path (one answer for all of /api)', async () => {
    const allowed = async (method: string, path: string) => {
      const res = await h.t.rawCall(method, path);
      return { status: res.status, allow: (res.headers.get('allow') ?? '').split(/,\s*/).sort() };
    };
    expect(await allowed('PUT', '/api/hosts')).toEqual({ status: 405, allow: ['GET', 'HEAD', 'POST'] });
    expect(await allowed('OPTIONS', '/api/haproxy/summary')).toEqual({ status: 200, allow: ['GET', 'HEAD'] });
    expect(await allowed('OPTIONS', `/api/haproxy/instances/${f.instanceId}`)).toEqual({
      status: 200,
      allow: ['DELETE', 'GET', 'HEAD', 'PATCH'],
    });
  });
});
