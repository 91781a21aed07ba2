import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The server a server follows through HAProxy's `track` ("backend/server", from the agent): taking that one out
 * takes its trackers out too, so the disruption budgets count them. Few servers track: a partial index finds
 * the trackers of one server. A hash index: the value holds two names of up to 2000 bytes each, past what a
 * btree entry holds (2704 bytes), and it is only ever looked up by equality.
 */
export class ServerTracks1764000000025 implements MigrationInterface {
  name = 'ServerTracks1764000000025';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE haproxy_servers ADD COLUMN tracks text`);
    await q.query(
      `CREATE INDEX haproxy_servers_tracks_idx ON haproxy_servers USING hash (tracks)
        WHERE tracks IS NOT NULL AND removed_at IS NULL`
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX haproxy_servers_tracks_idx`);
    await q.query(`ALTER TABLE haproxy_servers DROP COLUMN tracks`);
  }
}
