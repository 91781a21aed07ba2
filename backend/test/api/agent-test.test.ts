import { FakeFagent, on } from '../support/fake-fagent';
import { expectError, fleet, useHarness } from './helpers';

const h = useHarness({ requestTimeoutMs: 500, maxRetries: 0 });

const test_ = (body: unknown, token?: string) => h.t.call('POST', '/api/hosts/test', { body, token });

describe('POST /api/hosts/test (an agent before it is saved)', () => {
  test('reads each named instance: backends, latency; the seed protocol has no version', async () => {
    h.agent.setBackend('lb-a', 'web', [{ name: 's1', status: 'UP' }]);
    h.agent.setBackend('lb-a', 'api', [{ name: 's2', status: 'UP' }]);
    const res = await test_({ fagent_url: h.agent.url, fagent_token: 'typed-token', instances: ['lb-a', 'nope'] });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      ok: false,
      instances: [
        { name: 'lb-a', reachable: true, backends: 2, latency_ms: expect.any(Number) },
        // The agent's own reason is kept (short, no controls); its body never is.
        { name: 'nope', reachable: false, error: expect.stringMatching(/unknown instance nope/) },
      ],
    });
    expect(res.body.version).toBeUndefined();
    expect(res.body.error).toBeUndefined();
    // The typed token is what the agent got.
    const asked = h.agent.requests.filter((r) => r.segments[2] === 'lb-a');
    expect(asked.map((r) => r.authorization)).toContain('Bearer typed-token');
  });

  test('a backend the agent lists twice counts once, as the sync stores it', async () => {
    h.agent.setBackend('twice', 'web', [{ name: 's1', status: 'UP' }]);
    h.agent.inject((r) => r.route === 'backends' && r.segments[2] === 'twice', {
      kind: 'body',
      body: { success: true, backends: ['web', 'web'] },
    });
    const res = await test_({ fagent_url: h.agent.url, instances: ['twice'] });
    expect(res.body).toMatchObject({ ok: true, instances: [{ name: 'twice', reachable: true, backends: 1 }] });
  });

  test("an extended agent's /info gives HAProxy's version", async () => {
    const extended = await new FakeFagent({ protocol: 'extended' }).start();
    try {
      extended.setBackend('edge', 'web', [{ name: 's1', status: 'UP' }]);
      const res = await test_({ fagent_url: extended.url, instances: ['edge'] });
      expect(res.body).toMatchObject({
        ok: true,
        version: '2.6.12-fake',
        instances: [{ name: 'edge', reachable: true, backends: 1, version: '2.6.12-fake' }],
      });
    } finally {
      await extended.stop();
    }
  });

  test("an extended agent whose /state fails (the sync's read) is reachable, with the error, and not ok", async () => {
    const extended = await new FakeFagent({ protocol: 'extended' }).start();
    try {
      extended.setBackend('edge', 'web', [{ name: 's1', status: 'UP' }]);
      extended.inject(on.state(), { kind: 'status', status: 413, body: '{"success":false,"error":"too large"}' });
      const res = await test_({ fagent_url: extended.url, instances: ['edge'] });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        ok: false,
        version: '2.6.12-fake',
        instances: [
          {
            name: 'edge',
            reachable: true,
            backends: 1,
            error: expect.stringMatching(/^FAgent refused GET \/api\/haproxy\/edge\/state: too large/),
          },
        ],
      });
      expect(res.body.error).toBeUndefined();
    } finally {
      await extended.stop();
    }
  });

  test('an unreachable agent is an answer with the exact error, not an error status', async () => {
    const gone = await new FakeFagent().start();
    const url = gone.url;
    await gone.stop();
    const res = await test_({ fagent_url: url, instances: ['x'] });
    expect(res.status).toBe(200);
    expect(res.body.ok).toBe(false);
    expect(res.body.error).toMatch(/ECONNREFUSED|connect|refused/i);
    expect(res.body.instances[0]).toMatchObject({ name: 'x', reachable: false, error: res.body.error });
  });

  test("a refused token says so, and the agent's body is never echoed", async () => {
    h.agent.setBackend('locked', 'web', [{ name: 's1', status: 'UP' }]);
    h.agent.inject((r) => r.segments[2] === 'locked', { kind: 'status', status: 401, body: 'secret-internal-page' }, 1);
    const res = await test_({ fagent_url: h.agent.url, instances: ['locked'] });
    expect(res.body.instances[0].error).toMatch(/401/);
    expect(JSON.stringify(res.body)).not.toContain('secret-internal-page');
  });

  test('a saved token goes only to the URL it was saved for', async () => {
    h.agent.setBackend('saved', 'web', [{ name: 's1', status: 'UP' }]);
    const host = await h.t.call('POST', '/api/hosts', {
      body: { name: 'with-token', address: '127.0.0.1', fagent_url: h.agent.url, fagent_token: 'saved-secret' },
    });
    await h.t.call('POST', '/api/haproxy/instances', { body: { host_id: host.body.id, name: 'saved' } });
    const tokensSent = () => h.agent.requests.map((r) => r.authorization ?? 'none');

    h.agent.requests.length = 0;
    const same = await test_({ fagent_url: h.agent.url, host_id: host.body.id });
    expect(same.body).toMatchObject({ ok: true, instances: [{ name: 'saved', reachable: true }] });
    expect(new Set(tokensSent())).toEqual(new Set(['Bearer saved-secret']));

    // Its URL spelt otherwise (a trailing slash) is the same agent: the saved token.
    h.agent.requests.length = 0;
    const respelt = await test_({ fagent_url: `${h.agent.url}/`, host_id: host.body.id });
    expect(respelt.body.ok).toBe(true);
    expect(new Set(tokensSent())).toEqual(new Set(['Bearer saved-secret']));

    // Another address of the same machine is "another agent": no saved token.
    const other = h.agent.url.replace('127.0.0.1', 'localhost');
    h.agent.requests.length = 0;
    const moved = await test_({ fagent_url: other, host_id: host.body.id });
    expect(moved.body.ok).toBe(true);
    expect(tokensSent()).not.toContain('Bearer saved-secret');

    const stored = await h.t.call('POST', `/api/hosts/${host.body.id}/test`);
    expect(stored.status).toBe(200);
    expect(stored.body).toMatchObject({ ok: true, instances: [{ name: 'saved', backends: 1 }] });
  });

  test('a saved host is tested as its syncs call it: a stored URL with credentials fails as they do, unechoed', async () => {
    h.agent.setBackend('legacy-test', 'web', [{ name: 's1', status: 'UP' }]);
    // A row from before URLs with credentials were refused; the API shows it without them.
    const [{ id }] = await h.t.db.pool.query<{ id: number }>(
      `INSERT INTO hosts (name, address, fagent_url, fagent_token) VALUES ('legacy-test', '127.0.0.1', $1, 'legacy-secret')
       RETURNING id`,
      [`http://admin:s3cr3t@127.0.0.1:${h.agent.port}`]
    );
    await h.t.call('POST', '/api/haproxy/instances', { body: { host_id: id, name: 'legacy-test' } });
    h.agent.requests.length = 0;
    const res = await h.t.call('POST', `/api/hosts/${id}/test`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      ok: false,
      instances: [
        { name: 'legacy-test', reachable: false, error: expect.stringMatching(/must not carry credentials/) },
      ],
    });
    expect(JSON.stringify(res.body)).not.toMatch(/s3cr3t|legacy-secret|admin:/);
    expect(h.agent.requests).toHaveLength(0);
  });

  test.each([
    [{ instances: ['a'] }, /fagent_url/],
    [{ fagent_url: 'ftp://agent:21', instances: ['a'] }, /fagent_url: FAgent URL must use http or https/],
    [{ fagent_url: 'http://user:pw@agent:9000', instances: ['a'] }, /must not carry credentials/],
    [{ fagent_url: 'http://agent:9000' }, /instances: name at least one HAProxy instance/],
    [{ fagent_url: 'http://agent:9000', instances: [] }, /instances: must name at least one instance/],
    [{ fagent_url: 'http://agent:9000', instances: ['a'], extra: 1 }, /Unrecognized key/],
  ])('bad input %j is a 400 that says why', async (body, message) => {
    const res = await test_(body);
    expectError(res, 400, 'bad_request');
    expect(res.body.error.message).toMatch(message);
  });

  test('a saved host without instances is a 400 that says to register one, not to name a field it has not', async () => {
    const host = await h.t.call('POST', '/api/hosts', {
      body: { name: 'bare-test', address: '127.0.0.1', fagent_url: h.agent.url },
    });
    const res = await h.t.call('POST', `/api/hosts/${host.body.id}/test`);
    expectError(res, 400, 'bad_request');
    expect(res.body.error.message).toBe(
      `host ${host.body.id} has no HAProxy instance to read: register one first (the FAgent protocol has no list of instances)`
    );
  });

  test('an unknown host is a 404; only admins may test (it calls agents)', async () => {
    expectError(await test_({ fagent_url: 'http://agent:9000', host_id: 999999 }), 404, 'not_found');
    expectError(await h.t.call('POST', '/api/hosts/999999/test'), 404, 'not_found');
    const f = await fleet(h, 'roles', { web: [{ name: 's1', status: 'UP' }] });
    for (const token of [h.t.tokens.viewer, h.t.tokens.operator]) {
      expectError(await test_({ fagent_url: h.agent.url, instances: ['roles'] }, token), 403, 'forbidden');
      expectError(await h.t.call('POST', `/api/hosts/${f.hostId}/test`, { token }), 403, 'forbidden');
    }
  });
});
