import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Names in natural order (`backend_2` before `backend_10`), as the UI sorts them, so that the HAProxy page can
 * page its backends and servers on the server: the collation `natural_order` (ICU, numeric), and indexes that
 * walk an instance's backends and a backend's servers in that order. A PostgreSQL built without ICU gets the
 * collation as a copy of "C": byte order, but every query keeps working.
 */
export class NaturalNameOrder1764000000017 implements MigrationInterface {
  name = 'NaturalNameOrder1764000000017';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      DO $$
      BEGIN
        IF EXISTS (SELECT 1 FROM pg_collation WHERE collprovider = 'i') THEN
          CREATE COLLATION natural_order (provider = icu, locale = 'und-u-kn-true');
        ELSE
          CREATE COLLATION natural_order FROM "C";
        END IF;
      END $$`);
    await q.query(
      `CREATE INDEX haproxy_backends_natural_idx ON haproxy_backends (instance_id, backend_name COLLATE natural_order, id)
        WHERE removed_at IS NULL`
    );
    await q.query(
      `CREATE INDEX haproxy_servers_natural_idx ON haproxy_servers (backend_id, server_name COLLATE natural_order, id)
        WHERE removed_at IS NULL`
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS haproxy_servers_natural_idx`);
    await q.query(`DROP INDEX IF EXISTS haproxy_backends_natural_idx`);
    await q.query(`DROP COLLATION IF EXISTS natural_order`);
  }
}
