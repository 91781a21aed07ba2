import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The HAProxy page's search (a server's name or address, or its backend's name, anywhere in the text) through
 * trigram indexes instead of reading every server: at 200,000 servers the scan cost most of a search. pg_trgm
 * ships with PostgreSQL (contrib) and is a trusted extension; where it is missing or may not be created the
 * search stays a scan, and still works.
 */
export class ServerTextSearch1764000000018 implements MigrationInterface {
  name = 'ServerTextSearch1764000000018';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      DO $$
      BEGIN
        CREATE EXTENSION IF NOT EXISTS pg_trgm;
        CREATE INDEX haproxy_servers_name_trgm_idx ON haproxy_servers USING gin (server_name gin_trgm_ops)
          WHERE removed_at IS NULL;
        CREATE INDEX haproxy_servers_address_trgm_idx ON haproxy_servers USING gin (address gin_trgm_ops)
          WHERE removed_at IS NULL;
        CREATE INDEX haproxy_backends_name_trgm_idx ON haproxy_backends USING gin (backend_name gin_trgm_ops)
          WHERE removed_at IS NULL;
      EXCEPTION WHEN undefined_file OR insufficient_privilege OR feature_not_supported THEN
        RAISE NOTICE 'pg_trgm unavailable (%): the server search reads every server', SQLERRM;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS haproxy_backends_name_trgm_idx`);
    await q.query(`DROP INDEX IF EXISTS haproxy_servers_address_trgm_idx`);
    await q.query(`DROP INDEX IF EXISTS haproxy_servers_name_trgm_idx`);
  }
}
