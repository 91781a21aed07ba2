import { createHash } from 'node:crypto';
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
  /**
   * Runs `work` in one transaction; on a connection already in one, inside it. `settings` hold for the
   * transaction (`set_config(name, value, true)`).
   */
  transaction<T>(work: (tx: Db) => Promise<T>, settings?: TransactionSettings): Promise<T>;
}

/** Transaction-local settings by name: plain words only (numbers, `on`), since they travel inside SQL text. */
export type TransactionSettings = Readonly<Record<string, string>>;

/** `set_config(...)` calls for settings, as literals: checked, so nothing in them is SQL syntax. */
function settingsSql(settings: TransactionSettings): string {
  return Object.entries(settings)
    .map(([name, value]) => {
      if (!/^[a-z_][a-z0-9_.]*$/.test(name) || !/^[A-Za-z0-9_.:-]*$/.test(value)) {
        throw new TypeError(
          `transaction setting ${JSON.stringify(name)} = ${JSON.stringify(value)} is not a plain word`
        );
      }
      return `set_config('${name}', '${value}', true)`;
    })
    .join(', ');
}

interface StructuredResult<Row> {
  records: Row[];
  affected?: number;
}

/**
 * Names for statements with parameters, so that they run as prepared statements: PostgreSQL then parses and
 * plans each once per connection instead of at every call (a changed instance's sync is a dozen statements,
 * and planning them was a third of its database time). The same text has the same name everywhere. At most
 * `max` texts are ever named: SQL built on the fly cannot fill the server's memory, it runs unnamed.
 */
export class StatementNames {
  private readonly names = new Map<string, string>();

  constructor(private readonly max = 500) {}

  nameOf(text: string): string | undefined {
    let name = this.names.get(text);
    if (name === undefined && this.names.size < this.max) {
      // From the text, so that no two texts share a name on a connection, whichever StatementNames named them.
      name = `hpx_${createHash('sha256').update(text).digest('hex').slice(0, 40)}`;
      this.names.set(text, name);
    }
    return name || undefined;
  }

  /** The text runs unnamed from now on (its prepared statements went stale). */
  forget(text: string): void {
    this.names.set(text, '');
  }
}

/** What a PoolDb made without saying otherwise uses: one set of names per process. */
const SHARED_NAMES = new StatementNames();

/**
 * PostgreSQL's answer to a prepared statement whose result columns changed under it (a `*` over a table a
 * newer replica's migration gave a column): it fails on that connection for as long as the connection lives.
 */
const staleResultType = (err: unknown) => {
  const driver = (err as { driverError?: { code?: string; message?: string } }).driverError;
  return driver?.code === '0A000' && /cached plan must not change result type/.test(driver.message ?? '');
};

async function run<Row>(runner: QueryRunner, sql: string, params: readonly unknown[] | undefined, name?: string) {
  // pg takes a { name, text } in place of the text (TypeORM hands it on as it is).
  const statement = (name ? { name, text: sql } : sql) as string;
  // The structured result: TypeORM's plain one is `[rows, count]` for UPDATE and DELETE but rows otherwise.
  return (await runner.query(statement, params as unknown[] | undefined, true)) as StructuredResult<Row>;
}

/** One connection, for a transaction or a session; released by whoever took it. */
export class ConnectionDb implements Db {
  /** Set by discard(): the connection is closed when released, never handed to the next caller. */
  discarded = false;
  private inTransaction = false;

  constructor(
    private readonly runner: QueryRunner,
    private readonly names: StatementNames | null
  ) {}

  /**
   * Closes the connection instead of returning it to the pool when it is released: e.g. a session-level
   * advisory lock that could not be unlocked would otherwise stay held by whoever gets the connection next.
   */
  discard(): void {
    this.discarded = true;
  }

  async query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<Row[]> {
    return (await this.run<Row>(sql, params)).records;
  }

  async execute(sql: string, params?: readonly unknown[]): Promise<number> {
    return (await this.run(sql, params)).affected ?? 0;
  }

  /**
   * Prepared when it has parameters and a name is free. A stale prepared statement is forgotten: the text runs
   * unnamed from then on, at once when no transaction was aborted by the failure, else from the next call.
   */
  private async run<Row>(sql: string, params: readonly unknown[] | undefined): Promise<StructuredResult<Row>> {
    const name = this.names && params && params.length > 0 ? this.names.nameOf(sql) : undefined;
    try {
      return await run<Row>(this.runner, sql, params, name);
    } catch (err) {
      if (!name || !staleResultType(err)) {
        throw err;
      }
      this.names!.forget(sql);
      if (this.inTransaction) {
        throw err;
      }
      return run<Row>(this.runner, sql, params);
    }
  }

  async transaction<T>(work: (tx: Db) => Promise<T>, settings?: TransactionSettings): Promise<T> {
    const set = settings && Object.keys(settings).length > 0 ? `SELECT ${settingsSql(settings)}` : undefined;
    if (this.inTransaction) {
      if (set) {
        await this.runner.query(set);
      }
      return work(this);
    }
    // BEGIN and the settings in one round trip (a simple query of two statements: no parameters in either).
    await this.runner.query(set ? `BEGIN; ${set}` : 'BEGIN');
    this.inTransaction = true;
    try {
      const result = await work(this);
      await this.runner.query('COMMIT');
      return result;
    } catch (err) {
      // The work's error is the one to tell. A connection that cannot roll back is in an unknown state:
      // it is closed rather than handed to the next caller.
      await this.runner.query('ROLLBACK').catch(() => this.discard());
      throw err;
    } finally {
      this.inTransaction = false;
    }
  }
}

/** The pool of TypeORM's DataSource: each statement on whichever connection is free. */
export class PoolDb implements Db {
  /** `names` null: every statement unnamed (DATABASE_PREPARED_STATEMENTS=false). */
  constructor(
    private readonly ds: DataSource,
    private readonly names: StatementNames | null = SHARED_NAMES
  ) {}

  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<Row[]> {
    return this.connection((c) => c.query<Row>(sql, params));
  }

  execute(sql: string, params?: readonly unknown[]): Promise<number> {
    return this.connection((c) => c.execute(sql, params));
  }

  transaction<T>(work: (tx: Db) => Promise<T>, settings?: TransactionSettings): Promise<T> {
    return this.connection((c) => c.transaction(work, settings));
  }

  /** One connection for the whole of `work`: what a session-level advisory lock needs. */
  async connection<T>(work: (db: ConnectionDb) => Promise<T>): Promise<T> {
    const runner = this.ds.createQueryRunner();
    const conn = new ConnectionDb(runner, this.names);
    try {
      return await work(conn);
    } finally {
      if (conn.discarded) {
        // pg-pool destroys a client released with an error (its session, and its locks, end with it).
        await (
          runner as QueryRunner & { releasePostgresConnection(err?: Error): Promise<void> }
        ).releasePostgresConnection(new Error('connection discarded'));
      } else {
        await runner.release();
      }
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
