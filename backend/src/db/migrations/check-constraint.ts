import type { QueryRunner } from 'typeorm';

/**
 * Replaces the CHECK (column IN (...)) constraint PostgreSQL named `<table>_<column>_check` with one of other
 * values. Values are the migration's own literals, never input.
 */
export async function allowValues(q: QueryRunner, table: string, column: string, values: readonly string[]) {
  const name = `${table}_${column}_check`;
  await q.query(`ALTER TABLE ${table} DROP CONSTRAINT ${name}`);
  await q.query(
    `ALTER TABLE ${table} ADD CONSTRAINT ${name} CHECK (${column} IN (${values.map((v) => `'${v}'`).join(',')}))`
  );
}
