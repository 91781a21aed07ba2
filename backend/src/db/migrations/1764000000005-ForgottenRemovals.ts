import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * "Forget" on a soft-deleted backend or server: the row, its history and its audit rows stay (metric samples
 * and the status timeline refer to it), it only leaves the "Recently removed" list. The mark applies to one
 * removal: a row that comes back and goes again (removed_at later than forgotten_at) is listed again.
 */
export class ForgottenRemovals1764000000005 implements MigrationInterface {
  name = 'ForgottenRemovals1764000000005';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE haproxy_backends ADD COLUMN forgotten_at timestamptz`);
    await q.query(`ALTER TABLE haproxy_servers ADD COLUMN forgotten_at timestamptz`);
    // The "Recently removed" list reads removed rows by time; current rows (most of them) stay out of it.
    await q.query(
      `CREATE INDEX haproxy_backends_recently_removed_idx ON haproxy_backends (removed_at DESC) WHERE removed_at IS NOT NULL`
    );
    await q.query(
      `CREATE INDEX haproxy_servers_recently_removed_idx ON haproxy_servers (removed_at DESC) WHERE removed_at IS NOT NULL`
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS haproxy_servers_recently_removed_idx`);
    await q.query(`DROP INDEX IF EXISTS haproxy_backends_recently_removed_idx`);
    await q.query(`ALTER TABLE haproxy_servers DROP COLUMN forgotten_at`);
    await q.query(`ALTER TABLE haproxy_backends DROP COLUMN forgotten_at`);
  }
}
