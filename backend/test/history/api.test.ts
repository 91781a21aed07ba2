import type { CheckedService } from '../support/openapi';
import { Fleet, fleetService, insertChange, insertSample } from './fixtures';

let t: CheckedService;
let fleet: Fleet;
const now = Date.now();

beforeAll(async () => {
  ({ t, fleet } = await fleetService());
  for (let m = 10; m > 0; m--) {
    await insertSample(t.service.ds, fleet, now - m * 60_000, 'edge-1/shop', [
      { server: 's1', status: 'UP', weight: 100, sessions: m },
      { server: 's2', status: m === 3 ? 'DOWN' : 'UP', weight: 50, sessions: 1 },
    ]);
  }
  await insertChange(t.service.ds, fleet.servers.s1, now - 11 * 60_000, null, 'UP');
  await insertChange(t.service.ds, fleet.servers.s2, now - 11 * 60_000, null, 'UP');
  await insertChange(t.service.ds, fleet.servers.s2, now - 3 * 60_000, 'UP', 'DOWN');
  await insertChange(t.service.ds, fleet.servers.s2, now - 2 * 60_000, 'DOWN', 'UP');
}, 120_000);

afterAll(() => t?.stop());

const body = (over: Record<string, unknown> = {}) => ({
  range: { from: new Date(now - 3_600_000).toISOString(), to: new Date(now).toISOString() },
  maxDataPoints: 500,
  queries: [{ refId: 'A', type: 'status_timeline', scope: { instance: 'edge-1', backend: 'shop' } }],
  ...over,
});

describe('POST /api/haproxy/query', () => {
  test('a viewer gets frames by refId, as documented', async () => {
    const res = await t.call('POST', '/api/haproxy/query', {
      token: t.tokens.viewer,
      body: body({
        queries: [
          { refId: 'A', type: 'status_timeline', scope: { instance: 'edge-1', backend: 'shop' } },
          { refId: 'B', type: 'sessions', aggregate: 'sum', scope: { backend: ['shop'] } },
          { refId: 'C', type: 'status_counts', scope: { server: 's*' } },
          { refId: 'D', type: 'servers_table', scope: { application: 'webshop' } },
          { refId: 'E', type: 'commands', scope: {} },
          { refId: 'F', type: 'weight', scope: { server: fleet.servers.s1 } },
        ],
      }),
    });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.results)).toEqual(['A', 'B', 'C', 'D', 'E', 'F']);
    const timeline = res.body.results.A.frames[0];
    expect(timeline.schema.fields.map((f: { config: { displayName?: string } }) => f.config.displayName)).toEqual([
      undefined,
      's1',
      's2',
      's3',
    ]);
    expect(timeline.data.values[2]).toEqual(['UP', 'DOWN', 'UP']);
    expect(res.body.results.D.frames[0].data.values[3]).toEqual(['s1', 's2']);
    expect(res.body.results.F.frames[0].data.values[1]).toEqual(Array(10).fill(100));
  });

  test('epoch milliseconds are accepted for the range', async () => {
    const res = await t.call('POST', '/api/haproxy/query', {
      body: body({ range: { from: now - 3_600_000, to: now } }),
    });
    expect(res.status).toBe(200);
  });

  test('needs a token', async () => {
    const res = await t.call('POST', '/api/haproxy/query', { token: null, body: body() });
    expect(res.status).toBe(401);
  });

  test.each([
    ['no body', {}, 'range: '],
    [
      'from after to',
      body({ range: { from: new Date(now).toISOString(), to: new Date(now - 1000).toISOString() } }),
      'range: from must be before to',
    ],
    [
      'a time without offset',
      body({ range: { from: '2026-01-01 10:00', to: new Date(now).toISOString() } }),
      'range.from',
    ],
    [
      'a range over 400 days',
      body({ range: { from: '2024-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' } }),
      'range: must span at most 400 days',
    ],
    ['maxDataPoints 0', body({ maxDataPoints: 0 }), 'maxDataPoints'],
    ['maxDataPoints as text', body({ maxDataPoints: '100' }), 'maxDataPoints'],
    ['no queries', body({ queries: [] }), 'queries: needs at least one query'],
    [
      'an unknown type',
      body({ queries: [{ refId: 'A', type: 'cpu', scope: {} }] }),
      'queries.0.type: must be one of status_timeline',
    ],
    [
      'an unknown scope key',
      body({ queries: [{ refId: 'A', type: 'weight', scope: { host: 'x' } }] }),
      'queries.0.scope',
    ],
    [
      'a negative id',
      body({ queries: [{ refId: 'A', type: 'weight', scope: { server: -1 } }] }),
      'queries.0.scope.server',
    ],
    [
      'duplicate refIds',
      body({
        queries: [
          { refId: 'A', type: 'weight' },
          { refId: 'A', type: 'sessions' },
        ],
      }),
      'queries.1.refId: duplicate refId "A"',
    ],
    [
      'an aggregate on weight',
      body({ queries: [{ refId: 'A', type: 'weight', aggregate: 'sum' }] }),
      'queries.0.aggregate: applies to sessions only',
    ],
    [
      'an unknown aggregate',
      body({ queries: [{ refId: 'A', type: 'sessions', aggregate: 'p95' }] }),
      'queries.0.aggregate: must be one of sum, avg, max',
    ],
    [
      'a glob over 200 characters',
      body({ queries: [{ refId: 'A', type: 'weight', scope: { backend: `${'x'.repeat(200)}*` } }] }),
      'queries.0.scope.backend',
    ],
    [
      'a glob PostgreSQL cannot match',
      body({ queries: [{ refId: 'A', type: 'weight', scope: { backend: ['shop', 'web-{..}'] } }] }),
      'queries.0.scope.backend',
    ],
  ])('400 for %s', async (_, b, message) => {
    const res = await t.call('POST', '/api/haproxy/query', { body: b });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('bad_request');
    expect(res.body.error.message).toContain(message);
  });
});

describe('GET /api/haproxy/lookup/{kind}', () => {
  const values = async (path: string) => {
    const res = await t.call('GET', `/api/haproxy/lookup/${path}`, { token: t.tokens.viewer });
    expect(res.status).toBe(200);
    return res.body.values.map((v: { text: string; value: string }) => {
      expect(v.text).toBe(v.value);
      return v.value;
    });
  };

  test('each kind, narrowed by the others (its own filter ignored)', async () => {
    expect(await values('instances')).toEqual(['edge-1', 'edge-2']);
    expect(await values('instances?instance=edge-1&backend=api')).toEqual(['edge-1']);
    expect(await values('backends')).toEqual(['api', 'shop']);
    expect(await values('backends?instance=edge-2')).toEqual(['shop']);
    expect(await values('backends?instance=edge-1,edge-2&backend=api')).toEqual(['api', 'shop']);
    expect(await values('servers?instance=edge-1&backend=shop')).toEqual(['s1', 's2', 's3']);
    expect(await values('servers?instance=All&backend=sh*')).toEqual(['s1', 's2', 's3', 'x1']);
    expect(await values('servers?application=webshop')).toEqual(['s1', 's2']);
    expect(await values('applications')).toEqual(['webshop']);
    expect(await values('applications?backend=api')).toEqual([]);
    expect(await values('servers?q=S&limit=2')).toEqual(['s1', 's2']);
    expect(await values('servers?q=%25')).toEqual([]);
  });

  test('a hostile glob answers at once, with what it matches', async () => {
    // `*a*a...*b` backtracks for minutes in V8 against a long name; PostgreSQL matches it without backtracking.
    const hostile = encodeURIComponent(`${'*s'.repeat(30)}*`);
    expect(await values(`servers?backend=${hostile}`)).toEqual([]);
    expect(await values(`backends?server=${encodeURIComponent('*s*1*')}`)).toEqual(['shop']);
    const res = await t.call('POST', '/api/haproxy/query', {
      body: body({ queries: [{ refId: 'A', type: 'servers_table', scope: { server: `${'*a'.repeat(40)}*b` } }] }),
    });
    expect(res.status).toBe(200);
  }, 30_000);

  test('an unknown kind or a bad limit is a 400', async () => {
    for (const path of ['hosts', 'servers?limit=0', `servers?backend=${'x'.repeat(201)}`]) {
      const res = await t.call('GET', `/api/haproxy/lookup/${path}`);
      expect([path, res.status]).toEqual([path, 400]);
    }
  });
});
