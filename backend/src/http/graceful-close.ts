import type http from 'node:http';
import { within } from '../concurrency/within';

/**
 * Stops taking connections and gives the requests in flight up to `graceMs` to finish, then closes whatever is
 * left. A command's request completes its own audit row, so cutting it off would leave the row pending (later
 * "unknown") and the server claimed until the claim's lease ends, though HAProxy may have done it.
 */
export async function closeGracefully(server: http.Server, graceMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  // A keep-alive connection that finishes its request meanwhile goes idle: close it then, not at the grace's end.
  const idle = setInterval(() => server.closeIdleConnections(), 50);
  try {
    const finished = await within(
      closed.then(() => true),
      graceMs
    );
    if (!finished) {
      server.closeAllConnections();
      await closed;
    }
  } finally {
    clearInterval(idle);
  }
}
