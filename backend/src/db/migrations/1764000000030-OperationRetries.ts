import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When a job's server began failing for a reason that may pass (its agent unreachable, a 5xx, an open breaker):
 * the server keeps its state and is tried again at each look until HAPROXY_OPERATION_RETRY_S after it, then it
 * ends failed. Null while its last command or read went through.
 */
export class OperationRetries1764000000030 implements MigrationInterface {
  name = 'OperationRetries1764000000030';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE haproxy_operation_servers ADD COLUMN failing_since timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE haproxy_operation_servers DROP COLUMN failing_since`);
  }
}
