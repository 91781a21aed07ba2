import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Who changed the registry and its settings (hosts, instances, applications, budgets, mappings, windows, API
 * tokens, restores and forgets of removed rows): one row per change, written in the change's transaction, with
 * the changed fields before and after. Secrets never enter it (an agent token is only `set` / `cleared`).
 * No reference to the changed row: it outlives its entity. Append-only for every session, like haproxy_actions
 * (migration 1764000000022): no row is ever updated, deleted or truncated.
 */
export class AdminChanges1764000000028 implements MigrationInterface {
  name = 'AdminChanges1764000000028';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE admin_changes (
        id serial PRIMARY KEY,
        changed_at timestamptz NOT NULL DEFAULT now(),
        actor text NOT NULL,
        entity_kind text NOT NULL
          CHECK (entity_kind IN ('host','instance','application','backend','server','api_token')),
        entity_id integer NOT NULL,
        entity_name text NOT NULL,
        action text NOT NULL
          CHECK (action IN ('created','updated','deleted','budget_set','budget_cleared','mapping_set',
                            'window_moved','restored','forgotten','revoked')),
        summary text NOT NULL,
        before jsonb,
        after jsonb
      )`);
    // Newest first, overall and per entity (the filters an operator starts from).
    await q.query(`CREATE INDEX admin_changes_entity_idx ON admin_changes (entity_kind, entity_id, id DESC)`);
    await q.query(`CREATE INDEX admin_changes_actor_idx ON admin_changes (actor, id DESC)`);
    await q.query(`CREATE INDEX admin_changes_changed_at_idx ON admin_changes (changed_at)`);
    await q.query(`
      CREATE FUNCTION admin_changes_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'the admin change log (admin_changes) is append-only: % refused', TG_OP
          USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`
      CREATE TRIGGER admin_changes_append_only BEFORE UPDATE OR DELETE ON admin_changes FOR EACH ROW
      EXECUTE FUNCTION admin_changes_append_only()`);
    await q.query(`
      CREATE TRIGGER admin_changes_no_truncate BEFORE TRUNCATE ON admin_changes FOR EACH STATEMENT
      EXECUTE FUNCTION admin_changes_append_only()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE admin_changes`);
    await q.query(`DROP FUNCTION admin_changes_append_only()`);
  }
}
