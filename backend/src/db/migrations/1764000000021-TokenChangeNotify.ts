import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A NOTIFY on `haproxy_api_tokens` whenever what a token check answers may change (a token revoked, deleted,
 * re-hashed, its role or Grafana flag changed, the table truncated), whoever changes it: the tokens CLI, another
 * replica, a person in psql. The service keeps checked tokens in memory only while it listens (auth/token-cache.ts).
 * A recorded use (only last_used_at changed) notifies nobody.
 */
export class TokenChangeNotify1764000000021 implements MigrationInterface {
  name = 'TokenChangeNotify1764000000021';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION haproxy_api_tokens_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        -- Compared as whole rows, not named columns: the trigger then depends on no column (older migrations
        -- may drop theirs) and a column added later notifies too.
        IF TG_OP = 'UPDATE' AND (to_jsonb(NEW) - 'last_used_at') = (to_jsonb(OLD) - 'last_used_at') THEN
          RETURN NULL;
        END IF;
        PERFORM pg_notify('haproxy_api_tokens', '');
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER api_tokens_changed AFTER UPDATE ON api_tokens FOR EACH ROW
      EXECUTE FUNCTION haproxy_api_tokens_changed()`);
    await q.query(`
      CREATE TRIGGER api_tokens_deleted AFTER DELETE ON api_tokens FOR EACH ROW
      EXECUTE FUNCTION haproxy_api_tokens_changed()`);
    await q.query(`
      CREATE TRIGGER api_tokens_truncated AFTER TRUNCATE ON api_tokens FOR EACH STATEMENT
      EXECUTE FUNCTION haproxy_api_tokens_changed()`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const trigger of ['api_tokens_changed', 'api_tokens_deleted', 'api_tokens_truncated']) {
      await q.query(`DROP TRIGGER ${trigger} ON api_tokens`);
    }
    await q.query(`DROP FUNCTION haproxy_api_tokens_changed()`);
  }
}
