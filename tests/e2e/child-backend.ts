import { startService } from '../../backend/src/service';

/**
 * The backend in a process of its own, to be killed mid-job: `node -r ./backend/test/support/ts-register.js
 * tests/e2e/child-backend.ts <database url> <operation lease ms>`. Runs jobs (polling every 100 ms), no sync.
 * Sends {url} when it listens.
 */
async function main() {
  const [databaseUrl, leaseMs] = process.argv.slice(2);
  const service = await startService(
    {
      databaseUrl,
      host: '127.0.0.1',
      port: 0,
      enabled: false,
      logLevel: 'silent',
      requestTimeoutMs: 2000,
      windowCheckIntervalMs: 0,
      minAvailable: { count: 0 },
      operationPollMs: 100,
      operationLeaseMs: Number(leaseMs),
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
