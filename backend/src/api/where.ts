/** Builds a parameterised WHERE from optional filters: `?` is the filter's value, undefined filters are left out. */
export function buildWhere(
  filters: Array<[string, unknown]>,
  always: string[] = []
): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const where = [...always];
  for (const [sql, value] of filters) {
    if (value === undefined) {
      continue;
    }
    params.push(value);
    where.push(sql.replaceAll('?', `$${params.length}`));
  }
  return { sql: where.length ? where.join(' AND ') : 'true', params };
}
