import { connect } from 'node:net';
import { lockTables, readsWaiting, until } from '../support/stuck-reads';
import { fleet, Fleet, trendQuery, useHarness } from './helpers';

/**
 * A client that goes away before its answer (Grafana superseding a panel's query, a closed page): its reads stop
 * in PostgreSQL at once, not at the statement timeout, and their connections go back to the read pool.
 */
const STATEMENT_TIMEOUT_MS = 20_000;
const READ_POOL_SIZE = 2;
const h = useHarness({ readPoolSize: READ_POOL_SIZE, apiStatementTimeoutMs: STATEMENT_TIMEOUT_MS });
let f: Fleet;
beforeAll(async () => {
  f = await fleet(h, 'gone', { web: [{ name: 's1', status: 'UP' }] });
});

/**
 * Sends as many requests as the read pool holds (each one left running keeps a connection until the timeout)
 * and leaves before their answers, once their reads wait in PostgreSQL (stuck behind a lock).
 */
async function abandoned(method: string, path: string, body: unknown): Promise<void> {
  const client = new AbortController();
  const requests = Array.from({ length: READ_POOL_SIZE }, () =>
    fetch(h.t.url + path, {
      method,
      signal: client.signal,
      headers: { authorization: `Bearer ${h.t.tokens.viewer}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
  );
  requests.forEach((r) => r.catch(() => undefined));
  await until(async () => (await readsWaiting(h.t.db.pool)).length === READ_POOL_SIZE);
  client.abort();
  for (const r of requests) {
    await expect(r).rejects.toThrow();
  }
}

const timelineQuery = () => ({
  ...trendQuery(),
  queries: [{ refId: 'A', type: 'status_timeline', scope: { instance: 'gone' } }],
});

const gone = (debug: jest.SpyInstance) =>
  debug.mock.calls.filter((c: unknown[]) => c[1] === 'client went away before the answer');
const server = () => f.servers['web/s1'].id;
const STATUS_HISTORY = 'haproxy_server_status_history';

test.each([
  ['a trend query', STATUS_HISTORY, 'POST', () => '/api/haproxy/query', timelineQuery],
  ['a server history', STATUS_HISTORY, 'GET', () => `/api/haproxy/servers/${server()}/history`, () => undefined],
  ['a server timeline', STATUS_HISTORY, 'GET', () => `/api/haproxy/servers/${server()}/timeline`, () => undefined],
  ['the audit log export', 'haproxy_actions', 'GET', () => '/api/haproxy/actions.csv', () => undefined],
  ['a server search', 'haproxy_servers', 'GET', () => '/api/haproxy/servers?q=s', () => undefined],
  ['a backend search', 'haproxy_servers', 'GET', () => '/api/haproxy/backends?server_q=s', () => undefined],
])(
  '%s whose client went away is cancelled in PostgreSQL, and the pool answers the next request',
  async (_what, table, method, path, body) => {
    const log = h.t.service.log;
    const logged = ['debug', 'warn', 'error'].map((level) => jest.spyOn(log, level as 'debug' | 'warn' | 'error'));
    const [debug, warn, error] = logged;
    const release = await lockTables(h.t.db.pool, [table]);
    try {
      const started = Date.now();
      await abandoned(method, path(), body());
      await until(async () => (await readsWaiting(h.t.db.pool)).length === 0, 3000);
      expect(Date.now() - started).toBeLessThan(STATEMENT_TIMEOUT_MS / 2);
      // No failure in the logs for an answer nobody waits for: a debug line per request.
      await until(async () => gone(debug).length === READ_POOL_SIZE);
      expect(gone(debug)[0][0]).toMatchObject({ method, path: path().split('?')[0] });
      expect([...warn.mock.calls, ...error.mock.calls]).toEqual([]);
      // The lock is still held: a read that does not touch it answers on the pool's connections.
      const hosts = await h.t.call('GET', '/api/hosts', { token: h.t.tokens.viewer });
      expect(hosts.status).toBe(200);
    } finally {
      await release();
      logged.forEach((l) => l.mockRestore());
    }
    const answered = await h.t.call(method, path(), { token: h.t.tokens.viewer, body: body() });
    expect(answered.status).toBe(200);
  }
);

test('an export whose client leaves mid-file is a debug line, not a stack on stderr', async () => {
  // Enough rows that the file is still being written when the client leaves after its first bytes (the audit
  // log is append-only: this test comes last).
  await h.t.db.pool.query(
    `INSERT INTO haproxy_actions (server_id, instance_id, instance_name, backend_name, server_name, command, actor,
                                  source, success, result, status_before, started_at, duration_ms, reason)
     SELECT $1, $2, 'gone', 'web', 's1', 'drain', 'grafana:bob', 'ui', true, 'success', 'UP',
            now() - g * interval '1 second', 5, repeat('why ', 50)
       FROM generate_series(1, 40000) g`,
    [server(), f.instanceId]
  );
  const log = h.t.service.log;
  const logged = ['debug', 'warn', 'error'].map((level) => jest.spyOn(log, level as 'debug' | 'warn' | 'error'));
  const [debug, warn, error] = logged;
  const stderr = jest.spyOn(console, 'error');
  try {
    const client = new AbortController();
    const res = await fetch(h.t.url + '/api/haproxy/actions.csv', {
      signal: client.signal,
      headers: { authorization: `Bearer ${h.t.tokens.viewer}` },
    });
    expect(res.status).toBe(200);
    await res.body!.getReader().read();
    client.abort();
    await until(async () => gone(debug).length > 0);
    // Koa reports the socket's reset and the stream's premature close: one line for the request.
    await new Promise((r) => setTimeout(r, 200));
    expect(gone(debug)).toEqual([
      [expect.objectContaining({ method: 'GET', path: '/api/haproxy/actions.csv' }), expect.any(String)],
    ]);
    expect([...warn.mock.calls, ...error.mock.calls, ...stderr.mock.calls]).toEqual([]);
  } finally {
    logged.forEach((l) => l.mockRestore());
    stderr.mockRestore();
  }
});

test('a client that leaves before its body is read is a debug line, not a database failure', async () => {
  const log = h.t.service.log;
  const logged = ['debug', 'warn', 'error'].map((level) => jest.spyOn(log, level as 'debug' | 'warn' | 'error'));
  const [debug, warn, error] = logged;
  try {
    // Node answers "100 Continue" once it has handed the request to the app: the client leaves then, while its
    // token is checked or its body awaited. Reading the body fails with Node's "aborted", an ECONNRESET that
    // had been taken for the database's (a 503 and a warning, for an answer nobody waits for).
    const socket = connect(Number(new URL(h.t.url).port), '127.0.0.1');
    const heard = new Promise<string>((r) => socket.once('data', (d) => r(d.toString())));
    socket.write(
      'POST /api/haproxy/query HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
        `Authorization: Bearer ${h.t.tokens.viewer}\r\nContent-Length: 100\r\nExpect: 100-continue\r\n\r\n`
    );
    expect(await heard).toMatch(/^HTTP\/1\.1 100 Continue/);
    socket.destroy();
    await until(async () => gone(debug).length === 1);
    expect(gone(debug)[0][0]).toMatchObject({ method: 'POST', path: '/api/haproxy/query' });
    expect([...warn.mock.calls, ...error.mock.calls]).toEqual([]);
  } finally {
    logged.forEach((l) => l.mockRestore());
  }
});
