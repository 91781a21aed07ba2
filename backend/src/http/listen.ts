import type http from 'node:http';

/**
 * How long the service's HTTP servers (the API, /metrics) keep an unused connection. Grafana's proxies keep
 * theirs up to 90 s (`[dataproxy] idle_conn_timeout_seconds`), as Go clients such as Prometheus do by default:
 * the server waits longer, so the client is the one that closes, and never sends a request on a connection the
 * server is closing. Node's 5 s made dashboards refreshing every 10 s or more connect anew for each refresh.
 */
export const KEEP_ALIVE_MS = 95_000;

/**
 * Binds `server`, which keeps its clients' unused connections KEEP_ALIVE_MS; rejects with the bind's own error
 * (EADDRINUSE, EACCES, ...) for the caller to word.
 */
export function listen(server: http.Server, host: string, port: number): Promise<void> {
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
}
