import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A NOTIFY on `haproxy_api_tokens` whenever what a token check answers may change (a token revoked, deleted,
 * re-hashed, its role or Grafana flag changed, the table truncated), whoever changes it: the tokens CLI, another
 * replica, a person in psql. The service keeps checked tokens in memory only while it listens (auth/token-cache.ts).
 * A recorded use (last_used_at) notifies nobody.
 */
export class TokenChangeNotify1764000000021 implements MigrationInterface {
  name = 'TokenChangeNotify1764000000021';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION haproxy_api_tokens_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('haproxy_api_tokens', '');
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER api_tokens_changed AFTER UPDATE ON api_tokens FOR EACH ROW
      WHEN (OLD.revoked_at IS DISTINCT FROM NEW.revoked_at OR OLD.token_hash IS DISTINCT FROM NEW.token_hash
            OR OLD.role IS DISTINCT FROM NEW.role OR OLD.grafana IS DISTINCT FROM NEW.grafana
            OR OLD.name IS DISTINCT FROM NEW.name)
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
