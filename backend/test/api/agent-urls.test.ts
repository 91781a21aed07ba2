import { agentUrlProblem } from '../../src/fagent/agent-url';
import { shownAgentUrl } from '../../src/store/hosts';
import { FakeFagent } from '../support/fake-fagent';
import { checked, CheckedService } from '../support/openapi';
import { registerInstance, startTestService } from '../support/service';
import { actions, command, expectError, fleet, syncNow, useHarness } from './helpers';

/** Where agent tokens may go: agent URLs checked, a token never kept across a URL change, secrets never shown. */
const h = useHarness();
let other: FakeFagent;
beforeAll(async () => {
  other = await new FakeFagent().start();
});
afterAll(() => other?.stop());

let seq = 0;
const hostBody = (extra: Record<string, unknown> = {}) => ({
  name: `agent-host-${++seq}`,
  address: '127.0.0.1',
  fagent_url: h.agent.url,
  ...extra,
});
const stored = async (hostId: number) =>
  (
    await h.t.db.pool.query<{ fagent_url: string; fagent_token: string | null }>(
      `SELECT fagent_url, fagent_token FROM hosts WHERE id = $1`,
      [hostId]
    )
  )[0];

describe('agent URLs are checked at create and update', () => {
  test.each([
    'ftp://agent:21/',
    'javascript:alert(1)',
    'http://user:secret@agent:9100',
    'http://agent:9100/?token=secret',
    'http://agent:9100/#frag',
    'not a url',
  ])('%s is refused with the reason of agent-url.ts', async (url) => {
    const created = await h.t.call('POST', '/api/hosts', { body: hostBody({ fagent_url: url }) });
    expectError(created, 400, 'bad_request');
    expect(created.body.error.message).toBe(`fagent_url: ${agentUrlProblem(url)}`);
    expect(created.body.error.message).not.toContain('secret');

    const host = (await h.t.call('POST', '/api/hosts', { body: hostBody() })).body;
    const patched = await h.t.call('PATCH', `/api/hosts/${host.id}`, { body: { fagent_url: url, fagent_token: null } });
    expectError(patched, 400, 'bad_request');
    expect(patched.body.error.message).toBe(`fagent_url: ${agentUrlProblem(url)}`);
    expect((await stored(host.id)).fagent_url).toBe(h.agent.url);
  });

  test('an agent token with control characters is refused', async () => {
    const res = await h.t.call('POST', '/api/hosts', { body: hostBody({ fagent_token: 'abc\r\nX-Evil: 1' }) });
    expectError(res, 400, 'bad_request');
    expect(res.body.error.message).toMatch(/fagent_token: must not contain control characters/);
  });
});

describe('a new agent URL needs the agent token in the same request', () => {
  test('without fagent_token: 400 saying so, and nothing of the request applied', async () => {
    const host = (await h.t.call('POST', '/api/hosts', { body: hostBody({ fagent_token: 'first-agent-token' }) })).body;
    const res = await h.t.call('PATCH', `/api/hosts/${host.id}`, {
      body: { fagent_url: other.url, name: 'renamed-meanwhile' },
    });
    expectError(res, 400, 'bad_request');
    expect(res.body.error.message).toMatch(/fagent_url: a new agent URL needs fagent_token in the same request/);
    expect(res.body.error.message).toMatch(/or null/);
    expect((await h.t.call('GET', `/api/hosts/${host.id}`)).body).toEqual(host);
    expect(await stored(host.id)).toEqual({ fagent_url: h.agent.url, fagent_token: 'first-agent-token' });
  });

  test('the same URL again needs no token and keeps it; a missing host is still a 404', async () => {
    const host = (await h.t.call('POST', '/api/hosts', { body: hostBody({ fagent_token: 'kept-token' }) })).body;
    const res = await h.t.call('PATCH', `/api/hosts/${host.id}`, {
      body: { fagent_url: ` ${h.agent.url} `, name: 'x' + seq },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ fagent_url: h.agent.url, has_fagent_token: true });
    expect((await stored(host.id)).fagent_token).toBe('kept-token');
    expectError(
      await h.t.call('PATCH', '/api/hosts/2147483647', { body: { fagent_url: other.url } }),
      404,
      'not_found'
    );
  });

  test('the same agent spelt otherwise keeps its token and takes the new spelling; another name of it does not', async () => {
    const host = (await h.t.call('POST', '/api/hosts', { body: hostBody({ fagent_token: 'kept-token' }) })).body;
    const respelt = `${h.agent.url.toUpperCase()}/`;
    const res = await h.t.call('PATCH', `/api/hosts/${host.id}`, { body: { fagent_url: respelt } });
    expect(res.status).toBe(200);
    expect(await stored(host.id)).toEqual({ fagent_url: respelt, fagent_token: 'kept-token' });
    // localhost may well be the same machine, but it is another address: the token is not sent there unasked.
    const elsewhere = await h.t.call('PATCH', `/api/hosts/${host.id}`, {
      body: { fagent_url: h.agent.url.replace('127.0.0.1', 'localhost') },
    });
    expectError(elsewhere, 400, 'bad_request');
    expect(await stored(host.id)).toEqual({ fagent_url: respelt, fagent_token: 'kept-token' });
  });

  test('the old token never reaches the new agent: the new one does, or none when cleared', async () => {
    other.setBackend('moved', 'web', [{ name: 's1', status: 'UP' }]);
    h.agent.setBackend('moved', 'web', [{ name: 's1', status: 'UP' }]);
    const ids = await registerInstance(h.t, h.agent.url, 'moved');
    expect(
      (await h.t.call('PATCH', `/api/hosts/${ids.hostId}`, { body: { fagent_token: 'old-agent-token' } })).status
    ).toBe(200);
    await syncNow(h, ids.instanceId);
    expect(h.agent.requests.at(-1)?.authorization).toBe('Bearer old-agent-token');

    const moved = await h.t.call('PATCH', `/api/hosts/${ids.hostId}`, {
      body: { fagent_url: other.url, fagent_token: 'new-agent-token' },
    });
    expect(moved.body).toMatchObject({ fagent_url: other.url, has_fagent_token: true });
    await syncNow(h, ids.instanceId);
    const withNewToken = other.requests.length;
    const cleared = await h.t.call('PATCH', `/api/hosts/${ids.hostId}`, {
      body: { fagent_url: `${other.url}/`, fagent_token: null },
    });
    expect(cleared.body).toMatchObject({ has_fagent_token: false });
    await syncNow(h, ids.instanceId);
    const sent = other.requests.map((r) => r.authorization ?? 'none');
    expect(withNewToken).toBeGreaterThan(0);
    expect(sent.length).toBeGreaterThan(withNewToken);
    expect(new Set(sent.slice(0, withNewToken))).toEqual(new Set(['Bearer new-agent-token']));
    expect(new Set(sent.slice(withNewToken))).toEqual(new Set(['none']));
  });
});

describe('rows stored before these checks', () => {
  test('credentials, queries and fragments of a stored URL are never shown, to viewers or anyone', async () => {
    const [{ id }] = await h.t.db.pool.query<{ id: number }>(
      `INSERT INTO hosts (name, address, fagent_url) VALUES ('legacy', '127.0.0.1', $1) RETURNING id`,
      [`http://admin:s3cr3t@127.0.0.1:${h.agent.port}/agent?token=t0ken#s3cr3t`]
    );
    for (const token of [h.t.tokens.viewer, h.t.tokens.admin]) {
      const one = await h.t.call('GET', `/api/hosts/${id}`, { token });
      expect(one.body.fagent_url).toBe(`http://127.0.0.1:${h.agent.port}/agent`);
      const all = await h.t.call('GET', '/api/hosts', { token });
      expect(JSON.stringify(all.body)).not.toMatch(/s3cr3t|t0ken|admin:/);
    }
    // And never used: a sync refuses to call it, without echoing it.
    const inst = await h.t.call('POST', '/api/haproxy/instances', { body: { host_id: id, name: 'legacy-main' } });
    const sync = await syncNow(h, inst.body.id, 'failed');
    expect(sync.error).toMatch(/must not carry credentials.*was not sent/);
    expect(sync.error).not.toMatch(/s3cr3t|t0ken/);
  });

  test.each([
    ['http://u:p@h:1/x?q=1#f', 'http://h:1/x'],
    ['http://h:1/x', 'http://h:1/x'],
    ['HTTP://Host:1', 'HTTP://Host:1'],
    ['weird://u:p@h x/?q', 'weird://h x/'],
    ['u:p@not a url?q=1', 'u:p@not a url'],
    ['no-scheme//user:pw@host/p?secret', 'no-scheme//host/p'],
  ])('shownAgentUrl(%s) = %s', (raw, shown) => {
    expect(shownAgentUrl(raw)).toBe(shown);
  });
});

describe('what an agent answered is never echoed into stored errors', () => {
  const SECRET = 'S3CRET-ANSWER-BODY';
  test.each([
    ['a 500 with a body', { kind: 'status', status: 500, body: `${SECRET} stack trace` }, 502],
    ['a 404 with a body', { kind: 'status', status: 404, body: `${SECRET}` }, 502],
    ['an HTML page', { kind: 'body', body: `<html>${SECRET}</html>` }, 502],
    ['broken JSON', { kind: 'body', body: `{"success":true,"backends":["${SECRET}"` }, 502],
    // A command answer needs only success:true: this one is accepted, and still not echoed.
    ['the wrong shape', { kind: 'body', body: { success: true, backends: SECRET } }, 200],
  ] as const)(
    '%s: the sync fails with a message naming the request, not the body',
    async (_what, fault, commandStatus) => {
      const name = `echo-${++seq}`;
      const f = await fleet(h, name, { web: [{ name: 's1', status: 'UP' }] });
      h.agent.inject((r) => r.segments[2] === name, fault as never);
      try {
        const sync = await syncNow(h, f.instanceId, 'failed');
        expect(sync.error).toMatch(/GET \/api\/haproxy\/.+\/backends/);
        const instance = await h.t.call('GET', `/api/haproxy/instances/${f.instanceId}`, { token: h.t.tokens.viewer });
        expect(instance.body.last_sync_error).toBe(sync.error);
        expect(JSON.stringify(instance.body)).not.toContain(SECRET);

        const cmd = await command(h, f.servers['web/s1'].id, 'drain');
        expect(cmd.status).toBe(commandStatus);
        expect(JSON.stringify(cmd.body)).not.toContain(SECRET);
        const audit = await actions(h, `server_id=${f.servers['web/s1'].id}`);
        expect(audit.actions[0]).toMatchObject({ success: commandStatus === 200 });
        expect(JSON.stringify(audit)).not.toContain(SECRET);
      } finally {
        h.agent.clearFaults();
      }
    }
  );
});

describe('HAPROXY_FAGENT_ALLOWED_NETWORKS', () => {
  let t: CheckedService;
  beforeAll(async () => {
    t = checked(await startTestService({ fagentAllowedNetworks: ['10.0.0.0/8', 'fd00::/8'] }));
  });
  afterAll(() => t?.stop());

  test('a host outside the allow-list syncs to a clear blocked error, and the agent hears nothing', async () => {
    h.agent.setBackend('outside', 'web', [{ name: 's1', status: 'UP' }]);
    const before = h.agent.requests.length;
    const ids = await registerInstance(t, h.agent.url, 'outside');
    const sync = await t.call('POST', `/api/haproxy/instances/${ids.instanceId}/sync?wait=true`);
    expect(sync.body).toMatchObject({ status: 'failed' });
    expect(sync.body.error).toBe(
      `FAgent address 127.0.0.1 of 127.0.0.1 is outside HAPROXY_FAGENT_ALLOWED_NETWORKS: GET /api/haproxy/outside/state was not sent`
    );
    expect((await t.call('GET', `/api/haproxy/instances/${ids.instanceId}`)).body).toMatchObject({
      last_sync_success: false,
      last_sync_error: sync.body.error,
      breaker_state: 'closed', // our policy, not the agent's health
    });
    expect(h.agent.requests.length).toBe(before);
  });
});
