#!/usr/bin/env node
import { ConfigError } from './config';
import { startService } from './service';

async function main() {
  // Our own PostgreSQL could not be restarted: exit non-zero, so a supervisor restarts the whole service.
  const service = await startService(undefined, undefined, (reason) => {
    console.error(`fatal: ${reason}`);
    process.exit(70);
  });
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      return;
    }
    stopping = true;
    service.log.info({ signal }, 'shutting down');
    service.stop().then(
      () => process.exit(0),
      (err) => {
        service.log.error({ err: (err as Error).message }, 'shutdown failed');
        process.exit(1);
      }
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
