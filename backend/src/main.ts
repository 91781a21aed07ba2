#!/usr/bin/env node
import { ConfigError } from './config';
import { startService } from './service';
import { stopOnSignal } from './shutdown-signals';

async function main() {
  // Our own PostgreSQL could not be restarted: exit non-zero, so a supervisor restarts the whole service.
  const service = await startService(undefined, undefined, (reason) => {
    console.error(`fatal: ${reason}`);
    process.exit(70);
  });
  stopOnSignal((signal) => {
    service.log.info({ signal }, 'shutting down');
    return service.stop().then(
      () => 0,
      (err) => {
        service.log.error({ err: (err as Error).message }, 'shutdown failed');
        return 1;
      }
    );
  });
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
