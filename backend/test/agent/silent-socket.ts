import { createServer, Server, Socket } from 'node:net';

/** A unix socket that accepts connections, records what it receives and never answers: a hung HAProxy. */
export interface SilentSocket {
  path: string;
  connections: number;
  received: string;
  close(): Promise<void>;
}

export function startSilentSocket(path: string): Promise<SilentSocket> {
  const sockets = new Set<Socket>();
  const state: SilentSocket = {
    path,
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
    server.listen(path, () => resolve(state));
  });
}
