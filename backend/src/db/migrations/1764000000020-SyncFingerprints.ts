import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What lets a sync write only what changed (sync/fingerprint.ts, docs/architecture.md "Write only what changed"):
 * - `haproxy_backends.sync_fingerprint`: the fingerprint of the server list the last sync applied to the backend;
 * - `haproxy_instances.sync_fingerprint`: the fingerprint of the rest of that answer (backend list, scope,
 *   process, auto-mapping's inputs), set only after a sync that left nothing pending (no drift, no held
 *   removal, no failed backend); `sync_sampled_at`: when that sync wrote its metric samples;
 * - `haproxy_instance_changes`: one row per write to an instance's backends, servers or desired states that no
 *   sync of the instance made (commands, mappings, restores, scope changes, a person in psql), written by
 *   triggers so that no writer, present or future, can forget it. A sync that finds none may trust the
 *   fingerprints; one that finds some reads everything and deletes the rows it has accounted for.
 * The triggers skip the sync's own writes (`haproxy.sync_writer` set in its transaction) and only insert: no
 * row of another table is locked, so they add no lock waits between syncs and commands.
 */
export class SyncFingerprints1764000000020 implements MigrationInterface {
  name = 'SyncFingerprints1764000000020';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE haproxy_instances ADD COLUMN sync_fingerprint text, ADD COLUMN sync_sampled_at timestamptz`
    );
    await q.query(`ALTER TABLE haproxy_backends ADD COLUMN sync_fingerprint text`);
    // No foreign key: its check would lock the instance's row (FOR KEY SHARE) against the sync's FOR UPDATE.
    await q.query(`
      CREATE TABLE haproxy_instance_changes (
        id bigserial PRIMARY KEY,
        instance_id integer NOT NULL
      )`);
    await q.query(`CREATE INDEX haproxy_instance_changes_instance_idx ON haproxy_instance_changes (instance_id)`);
    await q.query(`
      CREATE FUNCTION haproxy_note_instance_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_TABLE_NAME = 'haproxy_backends' THEN
          INSERT INTO haproxy_instance_changes (instance_id) VALUES (NEW.instance_id);
        ELSIF TG_TABLE_NAME = 'haproxy_servers' THEN
          INSERT INTO haproxy_instance_changes (instance_id)
          SELECT instance_id FROM haproxy_backends WHERE id = NEW.backend_id;
        ELSE
          INSERT INTO haproxy_instance_changes (instance_id)
          SELECT b.instance_id FROM haproxy_servers s JOIN haproxy_backends b ON b.id = s.backend_id
           WHERE s.id = NEW.server_id;
        END IF;
        RETURN NULL;
      END $$`);
    // Only the columns a sync reads: a command's claim or a window's lease changes nothing it decides on.
    const triggers: Array<[string, string]> = [
      ['haproxy_backends', 'instance_id, backend_name, removed_at'],
      [
        'haproxy_servers',
        `backend_id, server_name, address, status, raw_status, weight, current_sessions, max_sessions, admin_state,
         maint_source, operational_state, initial_weight, removed_at, application_id, mapping_kind, mapping_note`,
      ],
      [
        'haproxy_server_desired',
        'server_id, admin_state, drift_since, drift_cause, drift_attempts, drift_last_attempt_at',
      ],
    ];
    for (const [table, columns] of triggers) {
      await q.query(`
        CREATE TRIGGER ${table}_changed AFTER INSERT OR UPDATE OF ${columns} ON ${table}
        FOR EACH ROW WHEN (current_setting('haproxy.sync_writer', true) IS DISTINCT FROM 'on')
        EXECUTE FUNCTION haproxy_note_instance_change()`);
    }
    await q.query(`
      CREATE FUNCTION haproxy_forget_instance_changes() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM haproxy_instance_changes WHERE instance_id = OLD.id;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER haproxy_instances_deleted AFTER DELETE ON haproxy_instances
      FOR EACH ROW EXECUTE FUNCTION haproxy_forget_instance_changes()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER haproxy_instances_deleted ON haproxy_instances`);
    await q.query(`DROP FUNCTION haproxy_forget_instance_changes()`);
    for (const table of ['haproxy_backends', 'haproxy_servers', 'haproxy_server_desired']) {
      await q.query(`DROP TRIGGER ${table}_changed ON ${table}`);
    }
    await q.query(`DROP FUNCTION haproxy_note_instance_change()`);
    await q.query(`DROP TABLE haproxy_instance_changes`);
    await q.query(`ALTER TABLE haproxy_backends DROP COLUMN sync_fingerprint`);
    await q.query(`ALTER TABLE haproxy_instances DROP COLUMN sync_sampled_at, DROP COLUMN sync_fingerprint`);
  }
}
