import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit log (haproxy_actions) is append-only for every session, the service's and anyone's in psql: who did
 * what, when and why never changes once written (only the table's owner can drop the trigger, on purpose). What
 * may still happen to a row:
 * - a pending (or swept `unknown`) row gets its outcome, from the command that wrote it;
 * - a completed row gets a note appended (the window a command closed);
 * - its server_id / instance_id become NULL when the server or instance is deleted (ON DELETE SET NULL).
 * DELETE and TRUNCATE are refused. A migration that must rewrite the log drops the triggers first.
 */
export class AuditAppendOnly1764000000022 implements MigrationInterface {
  name = 'AuditAppendOnly1764000000022';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION haproxy_actions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        refs constant text[] := ARRAY['server_id', 'instance_id'];
        outcome constant text[] := ARRAY['result', 'success', 'error', 'note', 'status_after', 'duration_ms',
                                         'completed_at'];
      BEGIN
        IF TG_OP <> 'UPDATE' THEN
          RAISE EXCEPTION 'the audit log (haproxy_actions) is append-only: % refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF (NEW.server_id IS DISTINCT FROM OLD.server_id AND NEW.server_id IS NOT NULL)
           OR (NEW.instance_id IS DISTINCT FROM OLD.instance_id AND NEW.instance_id IS NOT NULL) THEN
          RAISE EXCEPTION 'audit row %: its server and instance may only be cleared', OLD.id
            USING ERRCODE = 'insufficient_privilege';
        END IF;
        -- Whole rows less the columns that may change: a column added later is protected too.
        IF (to_jsonb(NEW) - refs - outcome) <> (to_jsonb(OLD) - refs - outcome) THEN
          RAISE EXCEPTION 'audit row %: who, what, when and why never change', OLD.id
            USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF OLD.result NOT IN ('pending', 'unknown')
           AND ((to_jsonb(NEW) - refs - 'note') <> (to_jsonb(OLD) - refs - 'note')
                OR NOT (OLD.note IS NULL OR starts_with(coalesce(NEW.note, ''), OLD.note))) THEN
          RAISE EXCEPTION 'audit row %: its outcome is recorded; only a note may be added', OLD.id
            USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`
      CREATE TRIGGER haproxy_actions_append_only BEFORE UPDATE OR DELETE ON haproxy_actions FOR EACH ROW
      EXECUTE FUNCTION haproxy_actions_append_only()`);
    await q.query(`
      CREATE TRIGGER haproxy_actions_no_truncate BEFORE TRUNCATE ON haproxy_actions FOR EACH STATEMENT
      EXECUTE FUNCTION haproxy_actions_append_only()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER haproxy_actions_no_truncate ON haproxy_actions`);
    await q.query(`DROP TRIGGER haproxy_actions_append_only ON haproxy_actions`);
    await q.query(`DROP FUNCTION haproxy_actions_append_only()`);
  }
}
