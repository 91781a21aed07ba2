import type { CheckedService } from '../support/openapi';
import { Fleet, fleetService } from './fixtures';

/** Edges of the data source's API: times at the end of the range of epoch milliseconds, lookups' lists. */
let t: CheckedService;
let fleet: Fleet;
const now = Date.now();

beforeAll(async () => {
  ({ t, fleet } = await fleetService());
  // An application whose name holds a comma, mapped to a1; and one named like its first half.
  const [eu] = await t.service.ds.query(`INSERT INTO applications (name) VALUES ('Shop, EU') RETURNING id`);
  await t.service.ds.query(`INSERT INTO applications (name) VALUES ('Shop')`);
  await t.service.ds.query(`UPDATE haproxy_servers SET application_id = $1, mapping_kind = 'manual' WHERE id = $2`, [
    eu.id,
    fleet.servers.a1,
  ]);
}, 120_000);

afterAll(() => t?.stop());

const query = (range: { from: unknown; to: unknown }) =>
  t.call('POST', '/api/haproxy/query', {
    token: t.tokens.viewer,
    body: { range, maxDataPoints: 100, queries: [{ refId: 'A', type: 'status_timeline', scope: {} }] },
  });

describe('POST /api/haproxy/query: epoch milliseconds', () => {
  test.each([
    ['to past the last valid Date', { from: now - 1000, to: 9e15 }],
    ['both past it', { from: 8.7e15, to: 9e15 }],
    ['past the year 9999', { from: 253402300800000 - 1000, to: 253402300800000 }],
  ])('%s is a 400 naming the field, not a 500', async (_, range) => {
    const res = await query(range);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('range.to');
  });

  test('the last millisecond of 9999 is still a time', async () => {
    const res = await query({ from: 253402300799999 - 3_600_000, to: 253402300799999 });
    expect(res.status).toBe(200);
  });
});

describe('GET /api/haproxy/lookup/{kind}: comma-separated filters', () => {
  const values = async (path: string) => {
    const res = await t.call('GET', `/api/haproxy/lookup/${path}`, { token: t.tokens.viewer });
    expect([path, res.status]).toEqual([path, 200]);
    return res.body.values.map((v: { value: string }) => v.value);
  };
  const q = encodeURIComponent;

  test('a brace glob is one value: its commas are the alternation, not separators', async () => {
    expect(await values(`servers?backend=${q('{api,nothing}')}`)).toEqual(['a1']);
    expect(await values(`servers?instance=edge-1&backend=${q('{shop,api}')}`)).toEqual(['a1', 's1', 's2', 's3']);
    expect(await values(`servers?server=${q('{a,s}1,x*')}&instance=edge-2`)).toEqual(['x1']);
    expect(await values(`backends?server=${q('{a1,x1}')}`)).toEqual(['api', 'shop']);
  });

  test('plain lists still split at every comma', async () => {
    expect(await values(`servers?backend=${q('api, nothing')}`)).toEqual(['a1']);
    expect(await values(`instances?server=${q('a1,x1')}`)).toEqual(['edge-1', 'edge-2']);
  });

  test('a name that holds a comma matches as one value, alone or escaped in a glob', async () => {
    expect(await values(`servers?application=${q('Shop, EU')}`)).toEqual(['a1']);
    expect(await values(`servers?application=${q('{Shop\\, EU,webshop}')}`)).toEqual(['a1', 's1', 's2']);
  });

  test('50 names are still accepted and 51 refused: the whole text is not counted', async () => {
    const names = (n: number) => [...Array(n).keys()].map((i) => `b${i}`).join(',');
    expect(await values(`servers?backend=${q(`${names(49)},api`)}`)).toEqual(['a1']);
    const res = await t.call('GET', `/api/haproxy/lookup/servers?backend=${q(names(51))}`, { token: t.tokens.viewer });
    expect(res.status).toBe(400);
  });
});

describe('a multi-value selection longer than a pattern may be', () => {
  // What the data source sends for 40 selected servers of a dashboard variable: `{…}` of exact names.
  const selected = `{${[...Array(40).keys()].map((i) => `web-frontend-eu-west-${i}`).join(',')},a1}`;

  test('a history query over it answers for the names it lists', async () => {
    const res = await t.call('POST', '/api/haproxy/query', {
      token: t.tokens.viewer,
      body: {
        range: { from: now - 3_600_000, to: now },
        maxDataPoints: 100,
        queries: [{ refId: 'A', type: 'status_timeline', scope: { server: selected } }],
      },
    });
    expect(res.status).toBe(200);
    const frames = res.body.results.A.frames as Array<{
      schema: { name?: string; fields: Array<{ labels?: object }> };
    }>;
    expect(JSON.stringify(frames.map((f) => f.schema))).toContain('"a1"');
    expect(JSON.stringify(frames.map((f) => f.schema))).not.toContain('"s1"');
  });

  test('a lookup over it too', async () => {
    const res = await t.call('GET', `/api/haproxy/lookup/backends?server=${encodeURIComponent(selected)}`, {
      token: t.tokens.viewer,
    });
    expect(res.status).toBe(200);
    expect(res.body.values.map((v: { value: string }) => v.value)).toEqual(['api']);
  });
});
