import { QUERY_LIMITS } from '../../src/api/routes/query';
import { lockTables, readsWaiting, until } from '../support/stuck-reads';
import { expectError, fleet, Fleet, syncNow, trendQuery, useHarness } from './helpers';

/** The API's reads: bounded requests, a small pool of their own, and a statement timeout. */
const STATEMENT_TIMEOUT_MS = 2000;
const h = useHarness({ readPoolSize: 2, apiStatementTimeoutMs: STATEMENT_TIMEOUT_MS });
let f: Fleet;
beforeAll(async () => {
  f = await fleet(h, 'limits', { web: [{ name: 's1', status: 'UP' }] });
});

const query = (body: unknown) => h.t.call('POST', '/api/haproxy/query', { token: h.t.tokens.viewer, body });
const queries = (n: number, scope: Record<string, unknown> = {}) =>
  Array.from({ length: n }, (_, i) => ({ refId: `Q${i}`, type: 'weight', scope }));

describe('what one trend request may ask for', () => {
  test('up to the limits it is answered', async () => {
    const res = await query({
      ...trendQuery(),
      maxDataPoints: QUERY_LIMITS.points / QUERY_LIMITS.queries,
      queries: [
        ...queries(QUERY_LIMITS.queries - 1, { backend: ['web-*', 'api-*'] }), // 38 scope values
        {
          refId: 'last',
          type: 'status_counts',
          scope: { instance: 'limits', server: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] }, // and 12: 50
        },
      ],
    });
    expect(res.status).toBe(200);
  });

  test.each([
    ['21 queries', { queries: queries(21) }, `queries: at most ${QUERY_LIMITS.queries} queries per request`],
    ['50,001 points in one query', { maxDataPoints: 50_001 }, 'maxDataPoints: Too big'],
    [
      '2 × 25,001 points',
      { maxDataPoints: 25_001, queries: queries(2) },
      'maxDataPoints: maxDataPoints × queries must be at most 50000 points per request, not 50002',
    ],
    [
      '51 patterns in one list',
      { queries: queries(1, { backend: Array.from({ length: 51 }, (_, i) => `b${i}`) }) },
      'queries.0.scope.backend',
    ],
    [
      '51 scope values over several queries',
      { queries: queries(3, { instance: Array.from({ length: 17 }, (_, i) => `i${i}`) }) },
      'queries: at most 50 scope values (names, patterns, ids) per request, not 51',
    ],
  ])('%s: 400 saying which limit', async (_what, change, message) => {
    const res = await query({ ...trendQuery(), ...change });
    expectError(res, 400, 'bad_request');
    expect(res.body.error.message).toContain(message);
  });

  test('a lookup takes at most 50 names or patterns', async () => {
    const list = (n: number) => Array.from({ length: n }, (_, i) => `n${i}`).join(',');
    const ok = await h.t.call('GET', `/api/haproxy/lookup/servers?instance=${list(25)}&backend=${list(25)}`);
    expect(ok.status).toBe(200);
    const res = await h.t.call('GET', `/api/haproxy/lookup/servers?instance=${list(25)}&backend=${list(26)}`);
    expectError(res, 400, 'bad_request');
    expect(res.body.error.message).toContain('at most 50 names or patterns per request, not 51');
  });
});

describe('the read pool', () => {
  test('a read that runs past API_STATEMENT_TIMEOUT is cancelled: 503 query_timeout, and the pool goes on', async () => {
    const release = await lockTables(h.t.db.pool, ['haproxy_actions']);
    try {
      const started = Date.now();
      const res = await h.t.call('GET', '/api/haproxy/actions', { token: h.t.tokens.viewer });
      expectError(res, 503, 'query_timeout');
      expect(res.body.error.message).toMatch(/API_STATEMENT_TIMEOUT/);
      expect(Date.now() - started).toBeGreaterThanOrEqual(STATEMENT_TIMEOUT_MS - 100);
    } finally {
      await release();
    }
    expect((await h.t.call('GET', '/api/haproxy/actions', { token: h.t.tokens.viewer })).status).toBe(200);
  });

  test('with every read connection stuck, a sync (and a write) still runs on the main pool', async () => {
    // The status history: read by this route, not touched by a sync in which nothing changes (the audit log
    // would not do: a sync reads it, to leave alone the servers a command is acting on).
    const release = await lockTables(h.t.db.pool, ['haproxy_server_status_history']);
    const history = `/api/haproxy/servers/${f.servers['web/s1'].id}/history`;
    const reads = Array.from({ length: 3 }, () => h.t.call('GET', history, { token: h.t.tokens.viewer }));
    try {
      await until(async () => (await readsWaiting(h.t.db.pool)).length === 2); // the pool's two connections, the third read queued
      const sync = await syncNow(h, f.instanceId);
      expect(sync.status).toBe('ok');
      const renamed = await h.t.call('PATCH', `/api/hosts/${f.hostId}`, { body: { address: '127.0.0.2' } });
      expect(renamed.status).toBe(200);
      expect(await readsWaiting(h.t.db.pool)).toHaveLength(2); // still stuck: the sync did not wait for them
    } finally {
      await release();
    }
    expect((await Promise.all(reads)).map((r) => r.status)).toEqual([200, 200, 200]);
  });

  test('its sessions cannot write', async () => {
    await expect(h.t.service.readDb.execute(`UPDATE hosts SET address = address`)).rejects.toMatchObject({
      driverError: expect.objectContaining({ code: '25006' }), // read_only_sql_transaction
    });
  });
});
