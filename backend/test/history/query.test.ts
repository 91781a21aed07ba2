import { HistoryQuery, HistoryQueryItem } from '../../src/history/query';
import { HOUR, MINUTE } from '../../src/history/partitions';
import { STATUS_MAPPINGS } from '../../src/history/frames';
import { createTestDatabase, TestDatabase } from '../support/db';
import {
  AFTER_THREE_HOURS,
  createFleet,
  Fleet,
  insertChange,
  insertThreeHours,
  insertThreeHoursHistory,
  maintenance,
  T0,
} from './fixtures';

let db: TestDatabase;
let fleet: Fleet;
let history: HistoryQuery;

beforeAll(async () => {
  db = await createTestDatabase();
  fleet = await createFleet(db.ds);
  await insertThreeHours(db.ds, fleet);
  await insertThreeHoursHistory(db.ds, fleet);
  await maintenance(db.ds, () => AFTER_THREE_HOURS).run();
  history = new HistoryQuery(db.pool);
  await db.ds.query(
    `INSERT INTO haproxy_actions (server_id, instance_id, instance_name, backend_name, server_name, command, actor, source, success, result,
                                  error, status_before, status_after, started_at, duration_ms)
     VALUES ($1, $2, 'edge-1', 'shop', 's2', 'drain', 'grafana:alice', 'ui', true, 'success', NULL, 'UP', 'DRAIN', $3, 120),
            ($4, $5, 'edge-2', 'shop', 'x1', 'maint', 'token:orchestrator', 'orchestrator', false, 'failure', 'FAgent timeout', 'DRAIN', NULL, $6, 10000)`,
    [
      fleet.servers.s2,
      fleet.instances['edge-1'],
      new Date(T0 + 31 * MINUTE),
      fleet.servers.x1,
      fleet.instances['edge-2'],
      new Date(T0 + 40 * MINUTE),
    ]
  );
}, 120_000);

afterAll(() => db?.drop());

const run = async (q: Omit<HistoryQueryItem, 'refId'>, from: number, to: number, maxDataPoints: number) => {
  const res = await history.run({
    range: { from: new Date(from), to: new Date(to) },
    maxDataPoints,
    queries: [{ refId: 'A', ...q }],
  });
  expect(Object.keys(res.results)).toEqual(['A']);
  return res.results.A.frames;
};
const at = (minutes: number) => T0 + minutes * MINUTE;
const shopOfEdge1 = { instance: 'edge-1', backend: 'shop' };
const labels = (instance: string, backend: string, server?: string) => ({
  instance,
  backend,
  ...(server ? { server } : {}),
});

describe('status_timeline', () => {
  test('an hour from the status history: one row per change, values carried, names short within one backend', async () => {
    const frames = await run({ type: 'status_timeline', scope: shopOfEdge1 }, T0, T0 + HOUR, 1000);
    const config = { mappings: STATUS_MAPPINGS, color: { mode: 'thresholds' } };
    expect(frames).toEqual([
      {
        schema: {
          name: 'Status',
          refId: 'A',
          meta: { custom: { resolution: 'changes', intervalMs: 4000 } },
          fields: [
            { name: 'time', type: 'time', config: {} },
            {
              name: 'edge-1/shop/s1',
              type: 'string',
              labels: labels('edge-1', 'shop', 's1'),
              config: { ...config, displayName: 's1' },
            },
            {
              name: 'edge-1/shop/s2',
              type: 'string',
              labels: labels('edge-1', 'shop', 's2'),
              config: { ...config, displayName: 's2' },
            },
            {
              name: 'edge-1/shop/s3',
              type: 'string',
              labels: labels('edge-1', 'shop', 's3'),
              config: { ...config, displayName: 's3' },
            },
          ],
        },
        data: {
          values: [
            [at(0), at(30), at(35)],
            ['UP', 'UP', 'UP'],
            ['UP', 'DOWN', 'UP'],
            ['MAINT', 'MAINT', 'MAINT'],
          ],
        },
      },
    ]);
  });

  test('three hours in 30 points: 6-minute buckets, the worst state of each, so the short DOWN stays visible', async () => {
    const [frame] = await run(
      { type: 'status_timeline', scope: { ...shopOfEdge1, server: 's2' } },
      T0,
      T0 + 3 * HOUR,
      30
    );
    expect(frame.schema.meta).toEqual({ custom: { resolution: 'changes', intervalMs: 6 * MINUTE } });
    expect(frame.data.values).toEqual([
      [at(0), at(30), at(36)],
      ['UP', 'DOWN', 'UP'],
    ]);
  });

  test('servers of two backends of one instance are named backend/server; no hole where all samples end', async () => {
    const [frame] = await run(
      { type: 'status_timeline', scope: { instance: 'edge-1' } },
      T0 + 170 * MINUTE,
      T0 + 3 * HOUR + HOUR,
      1000
    );
    // a1, s1..s3 all stop together at the end of the data: no gap inside it
    expect(frame.data.values[0]).toEqual([at(170)]);
    expect(frame.schema.fields.map((f) => f.config.displayName)).toEqual(
      ['time', 'api/a1', 'shop/s1', 'shop/s2', 'shop/s3'].map((n, i) => (i === 0 ? undefined : n))
    );
  });
});

describe('status_timeline removals', () => {
  test('a removed server (or one of a removed backend) gets a null from its removal on', async () => {
    const start = T0 - 5 * HOUR;
    const [gone] = await db.ds.query(
      `INSERT INTO haproxy_servers (backend_id, server_name, status, removed_at) VALUES ($1, 'gone', 'UP', $2) RETURNING id`,
      [fleet.backends['edge-1/api'], new Date(start + 50 * MINUTE)]
    );
    await insertChange(db.ds, gone.id, start - HOUR, null, 'UP');
    await insertChange(db.ds, gone.id, start + 40 * MINUTE, 'UP', 'DOWN');
    await insertChange(db.ds, gone.id, start + 45 * MINUTE, 'DOWN', 'UP');
    const [frame] = await run(
      { type: 'status_timeline', scope: { server: ['gone', 'x1'] } },
      start,
      start + HOUR,
      1000
    );
    expect(frame.schema.fields.map((f) => f.config.displayName)).toEqual([
      undefined,
      'edge-1/api/gone',
      'edge-2/shop/x1',
    ]);
    // x1 appears only at T0, after this range: no value at all
    expect(frame.data.values).toEqual([
      [start, start + 40 * MINUTE, start + 45 * MINUTE, start + 50 * MINUTE],
      ['UP', 'DOWN', 'UP', null],
      [null, null, null, null],
    ]);
    const later = await run(
      { type: 'status_timeline', scope: { server: 'gone' } },
      start + 2 * HOUR,
      start + 3 * HOUR,
      1000
    );
    // Gone before that range: not one of its series.
    expect(later[0].schema.fields.map((f) => f.name)).toEqual(['time']);
    expect(later[0].data.values).toEqual([[]]);
  });
});

describe('status_counts', () => {
  const counts = (UP: number, DOWN: number, DRAIN: number, MAINT: number) => [UP, DOWN, DRAIN, MAINT, 0, 0];
  const frameOf = (meta: object, times: number[], rows: number[][]) => ({
    schema: {
      name: 'Servers by status',
      refId: 'A',
      meta,
      fields: [
        { name: 'time', type: 'time', config: {} },
        ...[
          ['UP', 'green'],
          ['DOWN', 'red'],
          ['DRAIN', 'orange'],
          ['MAINT', 'blue'],
          ['NOLB', 'yellow'],
          ['UNKNOWN', 'gray'],
        ].map(([name, color]) => ({
          name,
          type: 'number',
          config: { displayName: name, unit: 'none', decimals: 0, min: 0, color: { mode: 'fixed', fixedColor: color } },
        })),
      ],
    },
    data: { values: [times, ...[0, 1, 2, 3, 4, 5].map((i) => rows.map((r) => r[i]))] },
  });

  test('whole fleet over an hour: per-instance 5-minute counts, status at each bucket end', async () => {
    const frames = await run({ type: 'status_counts', scope: {} }, T0, T0 + HOUR, 12);
    const times = [...Array(12).keys()].map((i) => at(i * 5));
    expect(frames).toEqual([
      frameOf(
        { custom: { resolution: '5m', intervalMs: 5 * MINUTE } },
        times,
        times.map((t) => (t === at(30) ? counts(2, 1, 1, 1) : counts(3, 0, 1, 1)))
      ),
    ]);
  });

  test('one instance by glob, and a backend scope across instances at 1 h', async () => {
    const edge2 = await run({ type: 'status_counts', scope: { instance: 'edge-[2]' } }, T0, T0 + HOUR, 1);
    expect(edge2[0].data.values).toEqual([[at(0)], [0], [0], [1], [0], [0], [0]]);
    const shop = await run({ type: 'status_counts', scope: { backend: 'shop' } }, T0, T0 + 3 * HOUR, 3);
    expect(shop).toEqual([
      frameOf(
        { custom: { resolution: '1h', intervalMs: HOUR } },
        [at(0), at(60), at(120)],
        [counts(2, 0, 1, 1), counts(2, 0, 1, 1), counts(2, 0, 1, 1)]
      ),
    ]);
  });

  test('a server scope counts from raw samples', async () => {
    const [frame] = await run(
      { type: 'status_counts', scope: { server: 's2' } },
      T0 + 29 * MINUTE,
      T0 + 36 * MINUTE,
      100
    );
    expect(frame.schema.meta).toEqual({ custom: { resolution: 'raw', intervalMs: 5000 } });
    expect(frame.data.values.slice(0, 3)).toEqual([
      [29, 30, 31, 32, 33, 34, 35].map(at),
      [1, 0, 0, 0, 0, 0, 1],
      [0, 1, 1, 1, 1, 1, 0],
    ]);
  });
});

describe('sessions and weight', () => {
  test('per server from raw samples', async () => {
    const frames = await run({ type: 'sessions', scope: { ...shopOfEdge1, server: 's1' } }, T0, T0 + 10 * MINUTE, 1000);
    expect(frames).toEqual([
      {
        schema: {
          name: 'Current sessions',
          refId: 'A',
          meta: { custom: { resolution: 'raw', intervalMs: 1000 } },
          fields: [
            { name: 'time', type: 'time', config: {} },
            {
              name: 'edge-1/shop/s1',
              type: 'number',
              labels: labels('edge-1', 'shop', 's1'),
              config: { unit: 'none', min: 0, displayName: 's1' },
            },
          ],
        },
        data: { values: [[...Array(10).keys()].map(at), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]] },
      },
    ]);
  });

  test.each([
    ['sum', [9.5, 2]],
    ['avg', [3.17, 2]],
    ['max', [9, 2]],
  ] as const)('%s per backend over 10-minute buckets of 5-minute roll-ups', async (aggregate, [edge1, edge2]) => {
    const [frame] = await run({ type: 'sessions', aggregate, scope: { backend: 'shop' } }, T0, T0 + HOUR, 6);
    expect(frame.schema.meta).toEqual({ custom: { resolution: '5m', intervalMs: 10 * MINUTE } });
    expect(frame.schema.fields.slice(1)).toEqual([
      {
        name: 'edge-1/shop',
        type: 'number',
        labels: labels('edge-1', 'shop'),
        config: { unit: 'none', min: 0, displayName: `edge-1/shop (${aggregate})` },
      },
      {
        name: 'edge-2/shop',
        type: 'number',
        labels: labels('edge-2', 'shop'),
        config: { unit: 'none', min: 0, displayName: `edge-2/shop (${aggregate})` },
      },
    ]);
    expect(frame.data.values).toEqual([[0, 10, 20, 30, 40, 50].map(at), Array(6).fill(edge1), Array(6).fill(edge2)]);
  });

  test('weight per server at 1 h, servers picked by a list of names', async () => {
    const [frame] = await run({ type: 'weight', scope: { server: ['s1', 's2'] } }, T0, T0 + 3 * HOUR, 3);
    expect(frame.schema.meta).toEqual({ custom: { resolution: '1h', intervalMs: HOUR } });
    expect(frame.schema.fields.map((f) => [f.name, f.config.displayName])).toEqual([
      ['time', undefined],
      ['edge-1/shop/s1', 's1'],
      ['edge-1/shop/s2', 's2'],
    ]);
    expect(frame.data.values).toEqual([
      [at(0), at(60), at(120)],
      [100, 100, 100],
      [50, 50, 50],
    ]);
  });
});

describe('commands and servers_table', () => {
  test('commands of a scope as annotation rows', async () => {
    const frames = await run({ type: 'commands', scope: { instance: 'edge-1' } }, T0, T0 + 3 * HOUR, 100);
    expect(frames).toEqual([
      {
        schema: {
          name: 'Commands',
          refId: 'A',
          fields: [
            { name: 'time', type: 'time', config: {} },
            { name: 'timeEnd', type: 'time', config: {} },
            { name: 'title', type: 'string', config: {} },
            { name: 'text', type: 'string', config: {} },
            { name: 'tags', type: 'string', config: {} },
            { name: 'actor', type: 'string', config: { displayName: 'Who' } },
            { name: 'command', type: 'string', config: { displayName: 'Command' } },
            { name: 'target', type: 'string', config: { displayName: 'Server' } },
            { name: 'source', type: 'string', config: { displayName: 'Source' } },
            { name: 'reason', type: 'string', config: { displayName: 'Reason' } },
            { name: 'success', type: 'boolean', config: { displayName: 'Succeeded' } },
            { name: 'error', type: 'string', config: { displayName: 'Error' } },
            { name: 'duration', type: 'number', config: { displayName: 'Duration', unit: 'ms' } },
          ],
        },
        data: {
          values: [
            [at(31)],
            [at(31) + 120],
            ['drain s2'],
            ['grafana:alice ran drain on edge-1/shop/s2 (ui): ok, UP -> DRAIN'],
            ['haproxy,drain,ok,ui'],
            ['grafana:alice'],
            ['drain'],
            ['edge-1/shop/s2'],
            ['ui'],
            [null],
            [true],
            [null],
            [120],
          ],
        },
      },
    ]);
    const failed = await run({ type: 'commands', scope: { application: [], server: 'x*' } }, T0, T0 + 3 * HOUR, 100);
    expect(failed[0].data.values[3]).toEqual([
      'token:orchestrator ran maint on edge-2/shop/x1 (orchestrator): failed: FAgent timeout',
    ]);
    expect(failed[0].data.values[2]).toEqual(['maint x1 failed']);
  });

  test('servers_table: current servers of an application', async () => {
    const [frame] = await run({ type: 'servers_table', scope: { application: 'webshop' } }, T0, T0 + HOUR, 100);
    expect(frame.schema.fields.map((f) => [f.name, f.type, f.config.displayName])).toEqual([
      ['id', 'number', 'Id'],
      ['instance', 'string', 'Instance'],
      ['backend', 'string', 'Backend'],
      ['server', 'string', 'Server'],
      ['address', 'string', 'Address'],
      ['status', 'string', 'Status'],
      ['raw_status', 'string', 'HAProxy status'],
      ['weight', 'number', 'Weight'],
      ['sessions', 'number', 'Sessions'],
      ['max_sessions', 'number', 'Max sessions'],
      ['backup', 'boolean', 'Backup'],
      ['application', 'string', 'Application'],
      ['mapping', 'string', 'Mapping'],
      ['status_since', 'time', 'Status since'],
    ]);
    expect(frame.data.values).toEqual([
      [fleet.servers.s1, fleet.servers.s2],
      ['edge-1', 'edge-1'],
      ['shop', 'shop'],
      ['s1', 's2'],
      ['10.1.0.1:80', '10.1.0.2:80'],
      ['UP', 'UP'],
      ['UP', 'UP'],
      [10, 10],
      [1, 1],
      [100, 100],
      [false, true],
      ['webshop', 'webshop'],
      ['manual', 'manual'],
      [T0, T0],
    ]);
    const one = await run({ type: 'servers_table', scope: {} }, T0, T0 + HOUR, 2);
    expect(one[0].data.values[3]).toEqual(['a1', 's1']);
    expect(one[0].schema.meta).toEqual({
      notices: [{ severity: 'warning', text: 'showing 2 of 5 servers; narrow the scope' }],
    });
  });
});

describe('ranges and limits', () => {
  test('a range without data gives frames without rows', async () => {
    for (const type of ['status_timeline', 'status_counts', 'sessions', 'weight', 'commands'] as const) {
      const frames = await run({ type, scope: {} }, T0 - 2 * HOUR, T0 - HOUR, 100);
      expect(frames).toHaveLength(1);
      for (const values of frames[0].data.values) {
        expect([type, values]).toEqual([type, []]);
      }
    }
  });

  test('no field ever has more than maxDataPoints values', async () => {
    for (const maxDataPoints of [1, 7, 50]) {
      for (const type of [
        'status_timeline',
        'status_counts',
        'sessions',
        'weight',
        'commands',
        'servers_table',
      ] as const) {
        for (const scope of [{}, { backend: 'shop' }]) {
          const frames = await run({ type, scope }, T0 - 30 * MINUTE, T0 + 3 * HOUR + 7 * MINUTE, maxDataPoints);
          for (const values of frames[0].data.values) {
            expect([type, maxDataPoints, values.length <= maxDataPoints]).toEqual([type, maxDataPoints, true]);
          }
        }
      }
    }
  });

  test('several queries in one request answer by refId', async () => {
    const res = await history.run({
      range: { from: new Date(T0), to: new Date(T0 + HOUR) },
      maxDataPoints: 10,
      queries: [
        { refId: 'counts', type: 'status_counts', scope: {} },
        { refId: 'table', type: 'servers_table', scope: { backend: '{api,nothing}' } },
      ],
    });
    expect(Object.keys(res.results)).toEqual(['counts', 'table']);
    expect(res.results.table.frames[0].data.values[3]).toEqual(['a1']);
  });
});
