import type http from 'node:http';

/** Binds `server`; rejects with the bind's own error (EADDRINUSE, EACCES, ...) for the caller to word. */
export function listen(server: http.Server, host: string, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
}
