import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../src/demo/ports';
import { childServiceEnv } from '../support/child-service';
import { FakeFagent, on } from '../support/fake-fagent';
import { ADMIN_TOKEN } from '../support/service';

/**
 * Ctrl-C on `npm start` in a terminal (or a supervisor that signals the whole process group) sends SIGINT to the
 * service and to its embedded PostgreSQL alike. The service must still stop in order: the command in flight
 * answered and audited, the database stopped last, not shut down at the signal under the service.
 */
let dataDir: string;
let service: ChildProcess | undefined;
let agent: FakeFagent;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hpx-group-signal-'));
  fs.chmodSync(dataDir, 0o777); // PostgreSQL runs as an unprivileged user when the tests run as root
  agent = await new FakeFagent().start();
});

afterAll(async () => {
  if (service && service.exitCode === null && service.signalCode === null) {
    process.kill(-service.pid!, 'SIGKILL');
  }
  await agent.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test('SIGINT to the process group (Ctrl-C): the command in flight is answered and audited, then all stops', async () => {
  const env = childServiceEnv({
    DATA_DIR: dataDir,
    EMBEDDED_PG_PORT: String(await freePort()),
    HAPROXY_ENABLED: 'false',
    HAPROXY_MIN_AVAILABLE: '0', // the only server may be drained
    BOOTSTRAP_ADMIN_TOKEN: ADMIN_TOKEN,
  });
  // A process group of its own, as a terminal's foreground job is: the group's signal is the test's alone.
  service = spawn(process.execPath, ['-r', './test/support/ts-register.js', 'src/main.ts'], {
    cwd: path.resolve(__dirname, '../..'),
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  service.stdout!.on('data', (d) => (output += d));
  service.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => service!.once('exit', (code) => resolve(code)));
  const end = Date.now() + 120_000;
  while (!output.includes('backend listening') && service.exitCode === null && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 100));
  }
  const url = /"url":"([^"]+)"/.exec(output.slice(output.indexOf('backend listening') - 400))?.[1];
  expect({ url: !!url, output: url ? '' : output.slice(-2000) }).toEqual({ url: true, output: '' });
  const call = async (method: string, route: string, body?: unknown) => {
    const res = await fetch(url + route, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };

  agent.setBackend('ctrl-c', 'web', [{ name: 's1', status: 'UP' }]);
  const host = await call('POST', '/api/hosts', { name: 'h-ctrl-c', address: '127.0.0.1', fagent_url: agent.url });
  const instance = await call('POST', '/api/haproxy/instances', { host_id: host.body.id, name: 'ctrl-c' });
  expect((await call('POST', `/api/haproxy/instances/${instance.body.id}/sync?wait=true`)).status).toBe(200);
  const servers = await call('GET', `/api/haproxy/servers?instance_id=${instance.body.id}`);
  const id = servers.body.servers[0].id as number;

  let release!: () => void;
  agent.inject(on.command(), { kind: 'hold', until: new Promise<void>((r) => (release = r)) }, 1);
  const answered = call('POST', `/api/haproxy/servers/${id}/command`, { command: 'drain' });
  await agent.arrived(on.command());
  process.kill(-service.pid!, 'SIGINT');
  await new Promise((r) => setTimeout(r, 1000));
  release();

  const res = await answered;
  expect({ status: res.status, body: res.body }).toMatchObject({
    status: 200,
    body: { action: { command: 'drain', result: 'success' } },
  });
  expect(await exited).toBe(0);
  // PostgreSQL was stopped by the service, cleanly: it removes its pid file when it does.
  expect(fs.existsSync(path.join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
}, 180_000);
