import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Who created and who revoked each API token (`grafana:<login>` or `token:<name>` through the API, `cli` from
 * the command line, `config` for the BOOTSTRAP_* ones): tokens are who may act, so their changes are audited
 * like commands. Rows from before are NULL: not known.
 */
export class TokenAuthors1764000000023 implements MigrationInterface {
  name = 'TokenAuthors1764000000023';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE api_tokens ADD COLUMN created_by text, ADD COLUMN revoked_by text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE api_tokens DROP COLUMN revoked_by, DROP COLUMN created_by`);
  }
}
