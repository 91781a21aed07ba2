import https, { type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createAgentServer, AGENT_KEEP_ALIVE_MS } from '../../src/agent/server';
import { closeGracefully } from '../../src/http/graceful-close';
import { startHaproxy, startUpstream, stopAllHaproxies, TestHaproxy, Upstream } from '../support/haproxy';
import { testClient } from '../support/fixtures';
import { certificateDir, makeCertificate } from '../support/tls';

const TOKEN = 'test-token-0123456789abcdef';

/**
 * The backend reads its agents once a sync interval (a minute by default). Between two reads the connections
 * stay open, so a cycle negotiates no TLS and opens no connection again: Node's 5 s keep-alive closed them all.
 */
describe('the reference agent keeps its connections between two syncs', () => {
  let upstream: Upstream;
  let lb: TestHaproxy;
  let server: Server;
  let url: string;
  const handshakes: number[] = [];
  const cert = makeCertificate(certificateDir(), 'agent');
  const client = testClient({ ca: cert.cert.toString() });

  beforeAll(async () => {
    upstream = await startUpstream();
    lb = await startHaproxy({ backends: [{ name: 'web', servers: [{ name: 'w1', address: upstream.address }] }] });
    server = createAgentServer({
      token: TOKEN,
      requestTimeoutMs: 2000,
      instances: new Map([['lb', { kind: 'unix', path: lb.socketPath }]]),
      tls: { cert: cert.cert, key: cert.key },
    }) as Server;
    server.on('secureConnection', () => handshakes.push(Date.now()));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    client.close();
    await closeGracefully(server, 0);
    await stopAllHaproxies();
    await upstream?.stop();
  });

  it('tells the client how long a connection may wait: longer than two default sync intervals', async () => {
    const header = await new Promise<string | undefined>((resolve, reject) =>
      https
        .get(
          `${url}/api/haproxy/lb/backends`,
          { ca: cert.cert, headers: { authorization: `Bearer ${TOKEN}` } },
          (res) => {
            res.resume();
            resolve(res.headers['keep-alive']?.toString());
          }
        )
        .on('error', reject)
    );
    expect(header).toBe(`timeout=${AGENT_KEEP_ALIVE_MS / 1000}`);
    expect(AGENT_KEEP_ALIVE_MS).toBeGreaterThan(2 * 60_000);
  });

  it("a read after a pause longer than Node's default keep-alive reuses the connection: one TLS handshake", async () => {
    const target = { instanceId: 1, instanceName: 'lb', baseUrl: url, token: TOKEN };
    handshakes.length = 0;
    expect(await client.getBackends(target)).toEqual(['web']);
    await new Promise((resolve) => setTimeout(resolve, 6000));
    expect(await client.getBackends(target)).toEqual(['web']);
    expect(handshakes).toHaveLength(1);
  }, 20_000);
});
