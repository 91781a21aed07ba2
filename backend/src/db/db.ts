import type { DataSource, QueryRunner } from 'typeorm';

/**
 * How the store reaches PostgreSQL: the pool, or one connection (a transaction, or a session that holds an
 * advisory lock). Store functions take a Db, so one function runs alone or inside a caller's transaction.
 */
export interface Db {
  /** The rows of a statement: a SELECT, or INSERT / UPDATE / DELETE ... RETURNING. */
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** How many rows a statement inserted, updated or deleted. */
  execute(sql: string, params?: readonly unknown[]): Promise<number>;
  /** Runs `work` in one transaction; on a connection already in one, inside it. */
  transaction<T>(work: (tx: Db) => Promise<T>): Promise<T>;
}

interface StructuredResult<Row> {
  records: Row[];
  affected?: number;
}

async function run<Row>(runner: QueryRunner, sql: string, params: readonly unknown[] | undefined) {
  // The structured result: TypeORM's plain one is `[rows, count]` for UPDATE and DELETE but rows otherwise.
  return (await runner.query(sql, params as unknown[] | undefined, true)) as StructuredResult<Row>;
}

/** One connection, for a transaction or a session; released by whoever took it. */
export class ConnectionDb implements Db {
  private discarded = false;

  constructor(private readonly runner: QueryRunner) {}

  /**
   * Closes the connection, so that releasing it removes it from the pool: whatever its session still holds (a
   * lock that would not unlock, a transaction in an unknown state) ends with it instead of reaching the next user.
   */
  async discard(): Promise<void> {
    if (this.discarded) {
      return;
    }
    this.discarded = true;
    const client = (await this.runner.connect()) as { end(): Promise<void> };
    await client.end().catch(() => undefined); // closing is the point; a socket already gone is closed too
  }

  async query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<Row[]> {
    return (await run<Row>(this.runner, sql, params)).records;
  }

  async execute(sql: string, params?: readonly unknown[]): Promise<number> {
    return (await run(this.runner, sql, params)).affected ?? 0;
  }

  async transaction<T>(work: (tx: Db) => Promise<T>): Promise<T> {
    if (this.runner.isTransactionActive) {
      return work(this);
    }
    await this.runner.startTransaction();
    try {
      const result = await work(this);
      await this.runner.commitTransaction();
      return result;
    } catch (err) {
      await this.runner.rollbackTransaction();
      throw err;
    }
  }
}

/** The pool of TypeORM's DataSource: each statement on whichever connection is free. */
export class PoolDb implements Db {
  constructor(private readonly ds: DataSource) {}

  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<Row[]> {
    return this.connection((c) => c.query<Row>(sql, params));
  }

  execute(sql: string, params?: readonly unknown[]): Promise<number> {
    return this.connection((c) => c.execute(sql, params));
  }

  transaction<T>(work: (tx: Db) => Promise<T>): Promise<T> {
    return this.connection((c) => c.transaction(work));
  }

  /** One connection for the whole of `work`: what a session-level advisory lock needs. */
  async connection<T>(work: (db: ConnectionDb) => Promise<T>): Promise<T> {
    const runner = this.ds.createQueryRunner();
    try {
      return await work(new ConnectionDb(runner));
    } finally {
      await runner.release();
    }
  }
}

/** Whether the database answers at all (the readiness probe). */
export async function reachable(db: Db): Promise<boolean> {
  try {
    await db.query('SELECT 1');
    return true;
  } catch {
    return false;
  }
}
