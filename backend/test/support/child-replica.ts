import type { AppConfig } from '../../src/config';
import { startService } from '../../src/service';

/**
 * A replica of the service in a process of its own, on a database another service uses: `node -r
 * ./test/support/ts-register.js test/support/child-replica.ts <database url> [<AppConfig overrides as JSON>]`.
 * Sends {url} when it listens; on any message stops and exits. Started by replica.ts.
 */
async function main() {
  const [databaseUrl, overrides] = process.argv.slice(2);
  const service = await startService(
    {
      databaseUrl,
      host: '127.0.0.1',
      port: 0,
      enabled: false,
      logLevel: 'silent',
      requestTimeoutMs: 2000,
      ...(overrides ? (JSON.parse(overrides) as Partial<AppConfig>) : {}),
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
