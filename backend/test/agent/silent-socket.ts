import { createServer, Server, Socket } from 'node:net';

/**
 * A server that accepts connections, records what it receives and never answers: a hung HAProxy on a
 * unix socket, or (on TCP) an application server that holds every session open.
 */
export interface SilentSocket {
  /** The socket path, or "127.0.0.1:port" on TCP. */
  address: string;
  connections: number;
  received: string;
  close(): Promise<void>;
}

/** Listens on a unix socket at `path`, or on a free TCP port of 127.0.0.1 when `path` is omitted. */
export function startSilentSocket(path?: string): Promise<SilentSocket> {
  const sockets = new Set<Socket>();
  const state: SilentSocket = {
    address: path ?? '',
    connections: 0,
    received: '',
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) {
          s.destroy();
        }
        server.close(() => resolve());
      }),
  };
  // allowHalfOpen: our client half-closes after its command; a hung HAProxy keeps its side open.
  const server: Server = createServer({ allowHalfOpen: true }, (socket) => {
    state.connections += 1;
    sockets.add(socket);
    socket.on('data', (d) => (state.received += d.toString()));
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const listening = () => {
      const bound = server.address();
      if (typeof bound === 'object' && bound) {
        state.address = `127.0.0.1:${bound.port}`;
      }
      resolve(state);
    };
    if (path) {
      server.listen(path, listening);
    } else {
      server.listen(0, '127.0.0.1', listening);
    }
  });
}
