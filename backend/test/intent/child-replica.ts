import { startService } from '../../src/service';

/**
 * A replica of the service in a process of its own, on a database another service uses: `node -r
 * ./test/support/ts-register.js child-replica.ts <database url> <window check interval ms>`. Sends {url}
 * when it listens; on any message stops and exits.
 */
async function main() {
  const [databaseUrl, windowCheckIntervalMs] = process.argv.slice(2);
  const service = await startService(
    {
      databaseUrl,
      host: '127.0.0.1',
      port: 0,
      enabled: false,
      logLevel: 'silent',
      requestTimeoutMs: 2000,
      windowCheckIntervalMs: Number(windowCheckIntervalMs),
    },
    {}
  );
  process.on('message', () => void service.stop().then(() => process.exit(0)));
  process.send!({ url: service.url });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
