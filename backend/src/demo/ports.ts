import { createServer } from 'node:net';

/**
 * A TCP port nothing listens on right now, on `host`. HAProxy binds its own frontends, so we
 * can only pick a port and hand it over; the window for a clash is tiny on a dev machine.
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
