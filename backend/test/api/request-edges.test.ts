import http from 'node:http';
import { KEEP_ALIVE_MS } from '../../src/http/listen';
import { expectError, fleet, Fleet, syncNow, useHarness } from './helpers';

/**
 * Requests at the edges of what the API takes: credentials sent twice or not at all before a body, agent tokens
 * no HTTP header can carry, control characters beyond ASCII, and times the answers could not write back.
 */
const MAX_BODY = 4096;
const h = useHarness({ maxBodyBytes: MAX_BODY });
let f: Fleet;

beforeAll(async () => {
  f = await fleet(h, 'edges', { web: [{ name: 's1', status: 'UP' }] });
});

/** A request with headers exactly as given (repeated ones too, which fetch would merge into one). */
function rawRequest(
  method: string,
  path: string,
  headers: Array<[string, string]>,
  body?: string
): Promise<{ status: number; body: any }> {
  const url = new URL(h.t.url);
  const all: Array<[string, string]> = [['Host', url.host], ...headers];
  if (body !== undefined) {
    all.push(['Content-Length', String(Buffer.byteLength(body))]);
  }
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, method, path, headers: all.flat() as unknown as http.OutgoingHttpHeaders },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : undefined }));
      }
    );
    req.on('error', reject);
    req.end(body);
  });
}

const applicationNames = async (): Promise<string[]> =>
  (await h.t.call('GET', '/api/applications')).body.applications.map((a: { name: string }) => a.name);

describe('two Authorization headers', () => {
  const bearer = (token: string): [string, string] => ['Authorization', `Bearer ${token}`];

  test.each([
    ['a valid one first', () => [bearer(h.t.tokens.admin), bearer('not-a-token')]],
    ['a valid one second', () => [bearer('not-a-token'), bearer(h.t.tokens.admin)]],
    ['the same valid one twice', () => [bearer(h.t.tokens.admin), bearer(h.t.tokens.admin)]],
    ['an admin and a viewer token', () => [bearer(h.t.tokens.admin), bearer(h.t.tokens.viewer)]],
  ])('%s: a 401 saying so, and nothing done', async (_, headers) => {
    const res = await rawRequest(
      'POST',
      '/api/applications',
      [...headers(), ['Content-Type', 'application/json']],
      JSON.stringify({ name: 'twice-authorised' })
    );
    expectError(res, 401, 'unauthorized');
    expect(res.body.error.message).toMatch(/more than one Authorization header/);
    expect(await applicationNames()).not.toContain('twice-authorised');
  });

  test('one header is still enough, whatever the case of its name', async () => {
    const res = await rawRequest('GET', '/api/me', [['authorization', `Bearer ${h.t.tokens.viewer}`]]);
    expect([res.status, res.body.role]).toEqual([200, 'viewer']);
  });
});

describe('without a token, a request gets its 401 before its body is judged', () => {
  test.each([
    ['broken JSON', 'application/json', '{"name":'],
    ['a body that is not JSON', 'application/xml', '<application name="x"/>'],
    ['a body over the limit', 'application/json', JSON.stringify({ name: 'x'.repeat(MAX_BODY) })],
    ['NUL in the body', 'application/json', '{"name":"a\\u0000b"}'],
  ])('%s: 401, not 400/413/415', async (_, type, body) => {
    for (const headers of [[], [['Authorization', 'Bearer not-a-token']]] as Array<Array<[string, string]>>) {
      const res = await rawRequest('POST', '/api/applications', [...headers, ['Content-Type', type]], body);
      expectError(res, 401, 'unauthorized');
    }
  });

  test('with a token, the same bodies are still refused for what they are', async () => {
    const admin: [string, string] = ['Authorization', `Bearer ${h.t.tokens.admin}`];
    const json: [string, string] = ['Content-Type', 'application/json'];
    expectError(await rawRequest('POST', '/api/applications', [admin, json], '{"name":'), 400, 'bad_request');
    expectError(
      await rawRequest('POST', '/api/applications', [admin, ['Content-Type', 'application/xml']], '<a/>'),
      415,
      'unsupported_media_type'
    );
    expectError(
      await rawRequest('POST', '/api/applications', [admin, json], JSON.stringify({ name: 'x'.repeat(MAX_BODY) })),
      413,
      'payload_too_large'
    );
    const created = await rawRequest('POST', '/api/applications', [admin, json], JSON.stringify({ name: 'edge-ok' }));
    expect([created.status, created.body.name]).toEqual([201, 'edge-ok']);
  });
});

describe('agent tokens are sent in an HTTP header: only what one carries is taken', () => {
  const host = (name: string, token: string) => ({
    name,
    address: '127.0.0.1',
    fagent_url: h.agent.url,
    fagent_token: token,
  });

  test.each(
    ['中文-token', 'tokén', 'emoji-🙂', ' leading-space', 'trailing-space ', 'nel\u0085'].map((t, i) => [t, i])
  )('%j: 400 on create, change and test, and nothing stored', async (token, i) => {
    const created = await h.t.call('POST', '/api/hosts', { body: host(`bad-token-${i}`, token) });
    expectError(created, 400, 'bad_request');
    expect(created.body.error.message).toMatch(/^fagent_token: must (be printable ASCII|not contain control)/);
    const hosts = (await h.t.call('GET', '/api/hosts')).body.hosts.map((x: { name: string }) => x.name);
    expect(hosts).not.toContain(`bad-token-${i}`);

    const patched = await h.t.call('PATCH', `/api/hosts/${f.hostId}`, { body: { fagent_token: token } });
    expectError(patched, 400, 'bad_request');

    const tested = await h.t.call('POST', '/api/hosts/test', {
      body: { fagent_url: h.agent.url, fagent_token: token, instances: ['edges'] },
    });
    expectError(tested, 400, 'bad_request');
  });

  test('the host kept its token: its instance still syncs', async () => {
    expect((await h.t.call('GET', `/api/hosts/${f.hostId}`)).body.has_fagent_token).toBe(false);
    await syncNow(h, f.instanceId);
  });

  test('printable ASCII, inner spaces and punctuation included, is taken and reaches the agent as sent', async () => {
    const token = 'Ab0-._~+/=!#$%&*?@[]^`{|} x';
    const created = await h.t.call('POST', '/api/hosts', { body: host('ascii-token-host', token) });
    expect([created.status, created.body.has_fagent_token]).toEqual([201, true]);
    const tested = await h.t.call('POST', `/api/hosts/test`, {
      body: { fagent_url: h.agent.url, fagent_token: token, instances: ['edges'] },
    });
    expect(tested.body).toMatchObject({ ok: true, instances: [{ name: 'edges', reachable: true }] });
    const sent = h.agent.requests.at(-1)!;
    expect(sent.authorization).toBe(`Bearer ${token}`);
  });
});

describe('C1 control characters (U+0080-U+009F) are control characters too', () => {
  test.each(['\u0085x', 'a\u009bb', 'x\u0080'])('an application named %j: 400, nothing created', async (name) => {
    const res = await h.t.call('POST', '/api/applications', { body: { name } });
    expectError(res, 400, 'bad_request');
    expect(res.body.error.message).toBe('name: must not contain control characters');
    expect(await applicationNames()).not.toContain(name);
  });

  test('letters beyond ASCII and invisible marks that are not controls are still names', async () => {
    for (const name of ['é中文🙂', 'ÿ\u00a0nbsp', '\u200fRTL']) {
      expect((await h.t.call('POST', '/api/applications', { body: { name } })).status).toBe(201);
    }
  });

  test("a Grafana user's login loses them like the other control characters", async () => {
    const me = await h.t.call('GET', '/api/me', {
      token: h.t.grafanaTokens.viewer,
      headers: { 'x-grafana-user': 'bo\u0085b\u009f' },
    });
    expect(me.body.actor).toBe('grafana:bob');
  });
});

describe('times an answer could not write back as ISO 8601 are refused', () => {
  const serverPath = () => `/api/haproxy/servers/${f.servers['web/s1'].id}`;

  test.each([
    // Four-digit years that an offset moves out of 0000-9999 in UTC.
    ['9999-12-31T23:59:59-23:59', 'until'],
    ['0000-01-01T00:00:00+01:00', 'since'],
  ])('%s as a timeline bound, a history bound, an audit filter: 400', async (time, bound) => {
    for (const path of [`${serverPath()}/timeline`, `${serverPath()}/history`, '/api/haproxy/actions']) {
      const res = await h.t.call('GET', `${path}?${bound}=${encodeURIComponent(time)}`);
      expectError(res, 400, 'bad_request');
      expect(res.body.error.message).toBe(`${bound}: must be between the years 0000 and 9999 in UTC`);
    }
  });

  test("as a token's expiry: 400, no token made; the last writable time is taken", async () => {
    const far = await h.t.call('POST', '/api/tokens', {
      body: { name: 'expires-too-late', role: 'viewer', expires_at: '9999-12-31T23:59:59-23:59' },
    });
    expectError(far, 400, 'bad_request');
    const names = (await h.t.call('GET', '/api/tokens')).body.tokens.map((t: { name: string }) => t.name);
    expect(names).not.toContain('expires-too-late');
    // The checked service validates the answer against openapi.yaml's date-time.
    const last = await h.t.call('POST', '/api/tokens', {
      body: { name: 'expires-last', role: 'viewer', expires_at: '9999-12-31T23:59:59Z' },
    });
    expect([last.status, last.body.record.expires_at]).toEqual([201, '9999-12-31T23:59:59.000Z']);
  });
});

describe('operation ids are UUIDs in either case', () => {
  test('a job read and cancelled by its id in capitals is the same job, not a 500', async () => {
    const created = await h.t.call('POST', '/api/haproxy/operations', {
      body: { action: 'drain', server_ids: [f.servers['web/s1'].id], deadline_s: 3600 },
    });
    expect(created.status).toBe(202);
    const upper = String(created.body.id).toUpperCase();
    const read = await h.t.call('GET', `/api/haproxy/operations/${upper}`);
    expect([read.status, read.body.id, read.body.servers.length]).toEqual([200, created.body.id, 1]);
    const cancelled = await h.t.call('POST', `/api/haproxy/operations/${upper}/cancel`);
    expect([cancelled.status, cancelled.body.id, cancelled.body.state]).toEqual([200, created.body.id, 'cancelled']);
  });
});

describe('a backend URL provisioned with a trailing slash', () => {
  test("Grafana's route then asks for //api/...: the same route answers, authorised as ever", async () => {
    const token = `Bearer ${h.t.tokens.viewer}`;
    const res = await rawRequest('GET', `//api/haproxy/servers/${f.servers['web/s1'].id}`, [['Authorization', token]]);
    expect(res.status).toBe(200);
    expect(res.body.server_name).toBe('s1');
    expect((await rawRequest('GET', '//api/haproxy/summary', [])).status).toBe(401);
  });
});

describe('connections between two dashboard refreshes', () => {
  it('stay open longer than Grafana keeps them (90 s), and the API says so', async () => {
    const url = new URL(h.t.url);
    const agent = new http.Agent({ keepAlive: true });
    const header = await new Promise<string | undefined>((resolve, reject) =>
      http
        .get({ host: url.hostname, port: url.port, path: '/healthz', agent }, (res) => {
          res.resume();
          resolve(res.headers['keep-alive']?.toString());
        })
        .on('error', reject)
    );
    agent.destroy();
    expect(header).toBe(`timeout=${KEEP_ALIVE_MS / 1000}`);
    expect(KEEP_ALIVE_MS).toBeGreaterThan(90_000);
  });
});
