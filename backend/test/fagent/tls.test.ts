import fs from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { Agent, request } from 'undici';
import { startAgentServer, RunningAgent } from '../../src/agent/server';
import { ConfigError, loadConfig } from '../../src/config';
import { FagentError } from '../../src/fagent/errors';
import { FakeFagent } from '../support/fake-fagent';
import { testClient } from '../support/fixtures';
import { registerInstance, startTestService, TestService } from '../support/service';
import { certificateDir, makeCertificate, TestCertificate } from '../support/tls';

/**
 * FAgents over https: the reference agent answers https with listen.tls, and the backend checks agents'
 * certificates against HAPROXY_FAGENT_CA_FILE (an internal CA), refusing one it does not trust.
 */
let dir: string;
let agentCert: TestCertificate;
let otherCert: TestCertificate;
let fake: FakeFagent;

beforeAll(async () => {
  dir = certificateDir();
  agentCert = makeCertificate(dir, 'agent');
  otherCert = makeCertificate(dir, 'other');
  fake = await new FakeFagent({ tls: agentCert }).start();
  fake.setBackend('main', 'web', [{ name: 'w1', status: 'UP' }]);
});

afterAll(async () => {
  await fake?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const target = () => ({ instanceId: 1, instanceName: 'main', baseUrl: fake.url });

test('the client reads an https agent whose certificate the configured CA signed', async () => {
  expect(fake.url).toMatch(/^https:/);
  await expect(testClient({ ca: agentCert.cert.toString() }).getBackends(target())).resolves.toEqual(['web']);
});

test('an agent certificate the CA did not sign, or no CA for a self-signed one, is an error and nothing is sent', async () => {
  for (const ca of [otherCert.cert.toString(), undefined]) {
    const sent = fake.requests.length;
    const failure = await testClient({ ca, maxRetries: 0 })
      .getBackends(target())
      .catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(FagentError);
    expect((failure as Error).message).toMatch(
      /^FAgent at https:\/\/127\.0\.0\.1:\d+ has a certificate this service does not trust: .*; give its CA in HAPROXY_FAGENT_CA_FILE$/
    );
    expect(fake.requests.length).toBe(sent);
  }
});

describe('an agent the client will not talk https with is named for what is wrong, and nothing is sent', () => {
  // Raw servers: each counts the bytes it is sent over TLS (a request would be some).
  const tlsServer = (cert: TestCertificate, o: tls.TlsOptions = {}) =>
    tls.createServer({ cert: cert.cert, key: cert.key, ...o }, (socket) => {
      socket.on('data', (b) => (received += b.length)).on('error', () => undefined);
    });
  let received = 0;
  test.each([
    [
      'an expired certificate',
      () => makeCertificate(dir, 'expired', { days: -1 }),
      (c: TestCertificate) => tlsServer(c),
      /has a certificate this service refuses: certificate has expired \(CERT_HAS_EXPIRED\)$/,
    ],
    [
      'a certificate for another name',
      () => makeCertificate(dir, 'elsewhere', { names: 'DNS:other.example' }),
      (c: TestCertificate) => tlsServer(c),
      /has a certificate this service refuses: Hostname\/IP does not match .* \(ERR_TLS_CERT_ALTNAME_INVALID\)$/,
    ],
    [
      'TLS 1.0 only',
      () => agentCert,
      (c: TestCertificate) =>
        tlsServer(c, { minVersion: 'TLSv1', maxVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' }),
      /failed the TLS handshake: tlsv1 alert protocol version \(ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION\)$/,
    ],
    [
      'plain http',
      () => agentCert,
      () =>
        net.createServer((socket) => {
          socket.once('data', () => socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'));
          socket.on('error', () => undefined);
        }),
      /failed the TLS handshake: wrong version number \(ERR_SSL_WRONG_VERSION_NUMBER\); does the agent speak plain http at this address\?$/,
    ],
  ])('%s', async (_l, certificate, serve, said) => {
    const cert = certificate();
    const server = serve(cert);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `https://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    const client = testClient({ ca: cert.cert.toString(), defaultToken: 'a-token-of-16-chars' });
    received = 0;
    try {
      const failure = await client.getBackends({ instanceId: 1, instanceName: 'main', baseUrl: url }).catch((e) => e);
      expect(failure).toBeInstanceOf(FagentError);
      expect(failure).toMatchObject({ kind: 'network' });
      expect(failure.message).toMatch(new RegExp(`^FAgent at ${url} `));
      expect(failure.message).toMatch(said);
      if (server instanceof tls.Server) {
        expect(received).toBe(0);
      }
    } finally {
      client.close();
      server.close();
    }
  });
});

test('HAPROXY_FAGENT_CA_FILE: its certificates are read at start; a missing or non-PEM file is a clear error', () => {
  expect(loadConfig({ HAPROXY_FAGENT_CA_FILE: agentCert.certFile }).fagentCa).toBe(agentCert.cert.toString());
  expect(loadConfig({}).fagentCa).toBeUndefined();
  expect(() => loadConfig({ HAPROXY_FAGENT_CA_FILE: `${dir}/missing.pem` })).toThrow(
    /HAPROXY_FAGENT_CA_FILE: .*missing\.pem: not a readable PEM certificate/
  );
  expect(() => loadConfig({ HAPROXY_FAGENT_CA_FILE: agentCert.keyFile })).toThrow(ConfigError);
});

describe('the service syncs an https agent', () => {
  let t: TestService;
  afterAll(() => t?.stop());

  test('with the CA configured, a sync through https stores the servers', async () => {
    t = await startTestService({ fagentCa: agentCert.cert.toString() });
    const { instanceId } = await registerInstance(t, fake.url, 'main');
    const sync = await t.call('POST', `/api/haproxy/instances/${instanceId}/sync?wait=true`);
    expect(sync.body).toMatchObject({ status: 'ok', servers: 1 });
  });
});

describe('the reference agent with listen.tls', () => {
  let agent: RunningAgent;
  beforeAll(async () => {
    agent = await startAgentServer({
      token: 'a-token-of-16-chars',
      requestTimeoutMs: 500,
      instances: new Map(),
      tls: agentCert,
    });
  });
  afterAll(() => agent?.stop());

  test('answers https (its URL says so) to a client that trusts its certificate, and nothing over plain http', async () => {
    expect(agent.url).toMatch(/^https:\/\/127\.0\.0\.1:/);
    const dispatcher = new Agent({ connect: { ca: agentCert.cert } });
    const res = await request(`${agent.url}/api/haproxy/nothing/backends`, {
      dispatcher,
      headers: { authorization: 'Bearer a-token-of-16-chars' },
    });
    expect(res.statusCode).toBe(404);
    expect(await res.body.json()).toEqual({ success: false, error: 'no such instance "nothing"' });
    await dispatcher.close();
    await expect(
      request(agent.url.replace('https:', 'http:') + '/api/haproxy/nothing/backends', {
        headers: { authorization: 'Bearer a-token-of-16-chars' },
      }).then((r) => r.body.text())
    ).rejects.toThrow();
  });
});
