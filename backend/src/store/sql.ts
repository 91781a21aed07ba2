import type { Db } from '../db/db';

/** Small pieces of SQL shared by the store's modules. Values always travel as parameters. */

/** Appends a value to `params` and returns its placeholder. */
export function param(params: unknown[], value: unknown): string {
  params.push(value);
  return `$${params.length}`;
}

/** `column = $n` for each value that is not undefined (columns named by the caller), values appended to params. */
export function setColumns(params: unknown[], values: Record<string, unknown>): string[] {
  return Object.entries(values)
    .filter(([, value]) => value !== undefined)
    .map(([column, value]) => `${column} = ${param(params, value)}`);
}

/** Builds a parameterised WHERE from optional filters: `?` is the filter's value, undefined filters are left out. */
export function buildWhere(
  filters: Array<[string, unknown]>,
  always: string[] = [],
  params: unknown[] = []
): { sql: string; params: unknown[] } {
  const where = [...always];
  for (const [sql, value] of filters) {
    if (value !== undefined) {
      where.push(sql.replaceAll('?', param(params, value)));
    }
  }
  return { sql: where.length ? where.join(' AND ') : 'true', params };
}

/** A user's search text for ILIKE: its % _ and \ are data, not wildcards. */
export function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** What a name filter (domain/scope.ts Matcher, domain/glob.ts NameFilter) matches by. */
export interface MatchValues {
  ids?: number[];
  names: string[];
  patterns: string[];
}

/**
 * `(id = ANY($n) OR name = ANY($m) OR name ~ ANY($k))` with its values appended to params. The patterns are
 * glob regexes (domain/glob.ts): PostgreSQL runs them without backtracking, whatever a user typed.
 */
export function matchSql(m: MatchValues, idCol: string | null, nameCol: string, params: unknown[]): string {
  const parts: string[] = [];
  if (idCol && m.ids?.length) {
    parts.push(`${idCol} = ANY(${param(params, m.ids)}::int[])`);
  }
  if (m.names.length) {
    parts.push(`${nameCol} = ANY(${param(params, m.names)}::text[])`);
  }
  if (m.patterns.length) {
    parts.push(`${nameCol} ~ ANY(${param(params, m.patterns)}::text[])`);
  }
  return parts.length ? `(${parts.join(' OR ')})` : 'false';
}

export interface Page {
  limit: number;
  offset: number;
}

/** One page of a filtered read, and how many rows match in all: two statements, run together. */
export async function pageOf<Row>(
  db: Db,
  q: { columns: string; from: string; where: string; params: unknown[]; orderBy: string },
  page: Page
): Promise<{ rows: Row[]; total: number }> {
  const { rows, total } = await keysetPageOf<Row>(db, { ...q, orderBy: [q.orderBy] }, page, () => []);
  return { rows, total };
}

/** A column compared in natural order (`backend_2` before `backend_10`, as the UI sorts names): migration 17. */
export const natural = (column: string) => `${column} COLLATE natural_order`;

/** Where a keyset page starts: the sort key of the last row of the page before (ids last, so it is unique). */
export type Keyset = ReadonlyArray<string | number>;

/**
 * A page in a fixed order: `orderBy` lists the sort key's expressions (the last one unique), `after` the key of
 * the previous page's last row. Rows after it come next, so a page neither repeats nor skips rows when others
 * come or go before it (as OFFSET would).
 */
export function keysetSql(orderBy: readonly string[], after: Keyset | undefined, params: unknown[]) {
  return {
    where: after ? `(${orderBy.join(', ')}) > (${after.map((v) => param(params, v)).join(', ')})` : 'true',
    orderBy: orderBy.join(', '),
  };
}

export interface KeysetPage extends Page {
  /** The sort key of the last row of the previous page. */
  after?: Keyset;
}

/**
 * One page of a filtered read in the order `orderBy` (keysetSql), how many rows match in all, and the key to
 * ask for the next page with (null on the last page: one row more than the page is read to know).
 */
export async function keysetPageOf<Row>(
  db: Db,
  q: { columns: string; from: string; where: string; params: unknown[]; orderBy: readonly string[] },
  page: KeysetPage,
  keyOf: (row: Row) => Keyset
): Promise<{ rows: Row[]; total: number; next: Keyset | null }> {
  const params = [...q.params];
  const after = keysetSql(q.orderBy, page.after, params);
  const n = params.length;
  const [[{ total }], rows] = await Promise.all([
    db.query<{ total: number }>(`SELECT count(*)::int AS total FROM ${q.from} WHERE ${q.where}`, q.params),
    db.query<Row>(
      `SELECT ${q.columns} FROM ${q.from} WHERE ${q.where} AND ${after.where}
        ORDER BY ${after.orderBy} LIMIT $${n + 1} OFFSET $${n + 2}`,
      [...params, page.limit + 1, page.offset]
    ),
  ]);
  const more = rows.length > page.limit;
  return { rows: rows.slice(0, page.limit), total, next: more ? keyOf(rows[page.limit - 1]) : null };
}
