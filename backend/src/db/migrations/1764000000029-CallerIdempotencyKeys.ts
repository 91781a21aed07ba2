import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A job's idempotency key is its caller's (the actor: a token's name, or a Grafana user's login): two callers that
 * happen to pick the same key each get their own job, never the other's.
 */
export class CallerIdempotencyKeys1764000000029 implements MigrationInterface {
  name = 'CallerIdempotencyKeys1764000000029';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS haproxy_operations_idempotency_key`);
    await q.query(
      `CREATE UNIQUE INDEX haproxy_operations_actor_idempotency_key ON haproxy_operations (actor, idempotency_key)
        WHERE idempotency_key IS NOT NULL`
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS haproxy_operations_actor_idempotency_key`);
    await q.query(
      `CREATE UNIQUE INDEX haproxy_operations_idempotency_key ON haproxy_operations (idempotency_key) WHERE idempotency_key IS NOT NULL`
    );
  }
}
