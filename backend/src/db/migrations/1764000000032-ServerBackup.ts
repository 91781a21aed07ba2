import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Whether a server is a `backup` one (show stat's `bck`): it takes traffic only when no active server of its
 * backend can, so operators read it apart. Null when the agent does not say (the seed's protocol does not).
 */
export class ServerBackup1764000000032 implements MigrationInterface {
  name = 'ServerBackup1764000000032';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE haproxy_servers ADD COLUMN backup boolean`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE haproxy_servers DROP COLUMN backup`);
  }
}
