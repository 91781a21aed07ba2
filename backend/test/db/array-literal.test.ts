import { arrayParameter } from '../../src/db/array-literal';
import { createTestDatabase, TestDatabase } from '../support/db';

/**
 * Array parameters are written as PostgreSQL array literals by the service, not by pg: every value must come
 * back from PostgreSQL exactly as it was sent, whatever characters a HAProxy name holds.
 */

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db?.drop());

const NASTY = [
  'srv_1',
  '',
  'NULL',
  'null',
  ' lead',
  'trail ',
  'a b',
  'a,b',
  '{braced}',
  '}',
  '"quoted"',
  'back\\slash',
  '\\"',
  'tab\there',
  'new\nline',
  "it's",
  'ünïcødé',
  '\u00a0nbsp',
  'emoji 😀',
  'x:8080',
  '[::1]:443',
];

test.each<[string, unknown[], string]>([
  ['text', [...NASTY, null], 'text[]'],
  ['integer', [1, -2, 0, null, 2147483647], 'int[]'],
  ['boolean', [true, false, null], 'boolean[]'],
  ['empty', [], 'text[]'],
])('%s arrays come back from PostgreSQL as they were sent', async (_, values, type) => {
  const [row] = await db.pool.query<{ v: unknown[] }>(`SELECT $1::${type} AS v`, [values]);
  expect(row.v).toEqual(values);
});

test('each name is one element, however it is written: no name splits, merges or turns into NULL', async () => {
  const [row] = await db.pool.query<{ n: number; nulls: number }>(
    `SELECT cardinality($1::text[]) AS n, count(*) FILTER (WHERE v IS NULL)::int AS nulls FROM unnest($1::text[]) v`,
    [NASTY]
  );
  expect(row).toEqual({ n: NASTY.length, nulls: 0 });
});

test('plain elements go unquoted; arrays it does not write (dates, nested arrays) are left to pg as they were', async () => {
  expect(arrayParameter(['a', 1, true, null])).toBe('{a,1,t,NULL}');
  expect(arrayParameter(['a b', 'NULL', '', 'x"y\\z'])).toBe('{"a b","NULL","","x\\"y\\\\z"}');
  const dates = [new Date('2026-01-02T03:04:05.678Z')];
  expect(arrayParameter(dates)).toBe(dates);
  expect(arrayParameter([[1], [2]])).toEqual([[1], [2]]);
  expect(arrayParameter([Number.NaN])).toEqual([Number.NaN]);
  expect(arrayParameter('text')).toBe('text');
});

test('arrays left to pg still reach PostgreSQL', async () => {
  const at = new Date('2026-01-02T03:04:05.678Z');
  const [row] = await db.pool.query<{ v: Date[]; m: number[][] }>(`SELECT $1::timestamptz[] AS v, $2::int[] AS m`, [
    [at],
    [
      [1, 2],
      [3, 4],
    ],
  ]);
  expect(row.v.map((d) => d.toISOString())).toEqual([at.toISOString()]);
  expect(row.m).toEqual([
    [1, 2],
    [3, 4],
  ]);
});
