import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import type { PoolClient, QueryResult } from 'pg';
import { QueryFailedError, type DataSource, type QueryRunner } from 'typeorm';
import { arrayParameter } from './array-literal';

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

/**
 * pg's pooled client as TypeORM's query runner holds it, with the socket its statements are written to and what
 * a cancel request names: its server and its session's key.
 */
type PgClient = PoolClient & {
  connection: { stream: { cork(): void; uncork(): void } };
  host: string;
  port: number;
  processID: number | null;
  secretKey: number | null;
};

/**
 * Asks PostgreSQL to cancel what the client's session runs, as psql's ^C does: a cancel request on a connection
 * of its own, so it needs no free connection of a pool (those may all be busy with the reads to cancel). At
 * worst it does not arrive and the statement timeout ends the statement.
 */
function cancelRequest(client: PgClient): void {
  if (client.processID === null || client.secretKey === null) {
    return;
  }
  const packet = Buffer.alloc(16);
  packet.writeInt32BE(16, 0);
  packet.writeInt32BE(80877102, 4); // CancelRequest's code
  packet.writeInt32BE(client.processID, 8);
  packet.writeInt32BE(client.secretKey, 12);
  const socket = client.host.startsWith('/')
    ? connect(`${client.host}/.s.PGSQL.${client.port}`)
    : connect(client.port, client.host);
  socket.setTimeout(5000, () => socket.destroy());
  socket.on('error', () => socket.destroy());
  socket.end(packet);
}

/** A result the way the store reads it: rows, and for INSERT / UPDATE / DELETE how many. */
function structured<Row>(raw: QueryResult): StructuredResult<Row> {
  return { records: raw.rows as Row[], affected: raw.rowCount ?? undefined };
}

/**
 * One connection, for a transaction or a session; released by whoever took it. Statements go to pg's client at
 * once, without waiting for the ones before (on a pool with `pipeline` on, pg writes them straight away;
 * without it, pg sends each after the previous answer), and those issued in the same turn of the event loop
 * share one write to the socket: statements that do not wait for each other's results cost one round trip
 * together. Each still has its own Sync, so it fails alone (in a transaction, the ones after it then fail too).
 */
export class ConnectionDb implements Db {
  /** Set by discard(): the connection is closed when released, never handed to the next caller. */
  discarded = false;
  private inTransaction = false;
  /** BEGIN and the transaction's settings, sent with its first statement rather than on their own. */
  private pendingBegin?: string;
  /** The COMMIT that commit() issued. */
  private committed?: Promise<unknown>;
  /** The first statement that failed in the transaction: what aborted it. */
  private failure?: Error;
  private client?: PgClient;
  private corked = false;

  constructor(
    private readonly runner: QueryRunner,
    private readonly names: StatementNames | null,
    private readonly signal?: AbortSignal
  ) {}

  /**
   * The signal aborted: PostgreSQL cancels what the connection runs, and the connection is closed at release
   * rather than reused (a cancel that arrives late would hit the next caller's statement).
   */
  private readonly cancel = () => {
    this.discard();
    if (this.client) {
      cancelRequest(this.client);
    }
  };

  /** Done with the connection: its signal no longer concerns it. */
  detach(): void {
    this.signal?.removeEventListener('abort', this.cancel);
  }

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
    // Once connected, a statement is issued before this function first waits: callers that issue several
    // before awaiting any put them in one write.
    const client = this.client ?? (await this.connect());
    // Nothing more for a caller that is gone, e.g. one whose turn came in a full pool after it left.
    this.signal?.throwIfAborted();
    const name = this.names && params && params.length > 0 ? this.names.nameOf(sql) : undefined;
    try {
      return await this.issue<Row>(client, sql, params, name);
    } catch (err) {
      if (!name || !staleResultType(err)) {
        throw err;
      }
      this.names!.forget(sql);
      if (this.inTransaction) {
        throw err;
      }
      return this.issue<Row>(client, sql, params);
    }
  }

  private async connect(): Promise<PgClient> {
    const client = (this.client = (await this.runner.connect()) as PgClient);
    // The same listener once, however many statements waited for the connection.
    this.signal?.addEventListener('abort', this.cancel, { once: true });
    return client;
  }

  /** Hands a statement to pg now, behind a pending BEGIN; errors as TypeORM reports them (`driverError`). */
  private issue<Row>(
    client: PgClient,
    sql: string,
    params: readonly unknown[] | undefined,
    name?: string
  ): Promise<StructuredResult<Row>> {
    this.cork(client);
    const begin = this.pendingBegin === undefined ? undefined : client.query(this.pendingBegin);
    this.pendingBegin = undefined;
    const values = params?.map(arrayParameter);
    const statement = client.query<Record<string, unknown>>(name ? { name, text: sql, values } : { text: sql, values });
    // Both awaited together: a failed BEGIN is the error to tell, and neither rejection goes unhandled.
    return Promise.all([begin, statement]).then(
      ([, raw]) => structured<Row>(raw),
      (err: Error) => {
        if (!this.inTransaction) {
          throw new QueryFailedError(sql, values, err);
        }
        // The statements issued behind a failed one fail as "transaction is aborted", and may settle first
        // for whoever awaits several: each tells the first failure, the one that aborted it.
        this.failure ??= new QueryFailedError(sql, values, err);
        throw this.failure;
      }
    );
  }

  /** Holds the socket's writes until the statements issued in this turn of the event loop are all in. */
  private cork(client: PgClient): void {
    if (this.corked) {
      return;
    }
    const stream = client.connection.stream;
    stream.cork();
    this.corked = true;
    setImmediate(() => {
      this.corked = false;
      stream.uncork();
    });
  }

  private async send(sql: string): Promise<void> {
    await this.run(sql, undefined);
  }

  async transaction<T>(work: (tx: ConnectionDb) => Promise<T>, settings?: TransactionSettings): Promise<T> {
    const set = settings && Object.keys(settings).length > 0 ? `SELECT ${settingsSql(settings)}` : undefined;
    if (this.inTransaction) {
      if (set) {
        await this.send(set);
      }
      return work(this);
    }
    // BEGIN and the settings go with the first statement (a simple query of two statements: no parameters).
    this.pendingBegin = set ? `BEGIN; ${set}` : 'BEGIN';
    this.inTransaction = true;
    try {
      const result = await work(this);
      // Nothing issued, nothing begun.
      if (this.pendingBegin === undefined) {
        await (this.committed ?? this.send('COMMIT'));
      }
      return result;
    } catch (err) {
      // The work's error is the one to tell. A connection that cannot roll back is in an unknown state:
      // it is closed rather than handed to the next caller.
      if (this.pendingBegin === undefined) {
        await this.send('ROLLBACK').catch(() => this.discard());
      }
      throw err;
    } finally {
      this.pendingBegin = undefined;
      this.committed = undefined;
      this.failure = undefined;
      this.inTransaction = false;
    }
  }

  /**
   * Issues the transaction's COMMIT now, behind what it issued so far, instead of when its work returns: the
   * work may then issue statements that run after it (e.g. releasing a session lock) in the same write. A
   * COMMIT of a transaction that a statement failed rolls it back; the transaction still reports that failure.
   */
  commit(): Promise<void> {
    if (!this.inTransaction || this.committed) {
      throw new Error('commit() outside a transaction, or twice');
    }
    const committed = this.send('COMMIT');
    // Awaited by transaction(); a rejection before then must not go unhandled.
    committed.catch(() => undefined);
    this.committed = committed;
    return committed;
  }
}

/** The pool of TypeORM's DataSource: each statement on whichever connection is free. */
export class PoolDb implements Db {
  /**
   * `names` null: every statement unnamed (DATABASE_PREPARED_STATEMENTS=false). `signal`: see cancelledBy().
   */
  constructor(
    private readonly ds: DataSource,
    private readonly names: StatementNames | null = SHARED_NAMES,
    private readonly signal?: AbortSignal
  ) {}

  /**
   * The same pool, whose statements PostgreSQL cancels when `signal` aborts (e.g. the HTTP client that asked
   * for them went away); after it, none starts. Their connections are closed, not reused.
   */
  cancelledBy(signal: AbortSignal): PoolDb {
    return new PoolDb(this.ds, this.names, signal);
  }

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
    this.signal?.throwIfAborted();
    const runner = this.ds.createQueryRunner();
    const conn = new ConnectionDb(runner, this.names, this.signal);
    try {
      return await work(conn);
    } finally {
      conn.detach();
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

/** `db` whose statements PostgreSQL cancels when `signal` aborts (PoolDb.cancelledBy); any other Db as it is. */
export function cancelledBy(db: Db, signal: AbortSignal | undefined): Db {
  return signal && db instanceof PoolDb ? db.cancelledBy(signal) : db;
}

/**
 * A statement issued now and awaited later, with others: its failure is no unhandled rejection in between, and
 * whoever awaits it still gets it.
 */
export function issued<T>(statement: Promise<T>): Promise<T> {
  statement.catch(() => undefined);
  return statement;
}
