import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The weight a ramp's steps are made of when the agent does not tell the configured one (the seed's protocol
 * tells only the current weight): the server's weight when the job returned it. Null when the agent tells it.
 */
export class RampBaseWeight1764000000031 implements MigrationInterface {
  name = 'RampBaseWeight1764000000031';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE haproxy_operation_servers ADD COLUMN ramp_base_weight int`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE haproxy_operation_servers DROP COLUMN ramp_base_weight`);
  }
}
