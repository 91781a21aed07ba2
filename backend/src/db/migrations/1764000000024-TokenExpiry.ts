import { MigrationInterface, QueryRunner } from 'typeorm';

/** An API token may expire (a deploy bot's for the quarter): refused from then on, like a revoked one. */
export class TokenExpiry1764000000024 implements MigrationInterface {
  name = 'TokenExpiry1764000000024';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE api_tokens ADD COLUMN expires_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE api_tokens DROP COLUMN expires_at`);
  }
}
