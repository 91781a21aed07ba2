import { ChildProcess, fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { PendingActionSweeper } from '../../src/commands/pending-sweeper';
import { freePort } from '../../src/demo/ports';
import { FakeFagent, Recorded } from '../support/fake-fagent';
import { serverStates, silentLog, snapshot } from '../support/fixtures';
import { checked, CheckedService, HTTP_METHODS, openapi } from '../support/openapi';
import { ADMIN_TOKEN, registerInstance, startTestService } from '../support/service';

/**
 * PostgreSQL stopped under the service: in the middle of a sync and of a command, every route while it is
 * down, recovery when it returns. A PostgreSQL of this file's own (never the shared one of the test run),
 * reached through DATABASE_URL; then the service's own embedded PostgreSQL, killed and restarted by it.
 */

async function until<T>(probe: () => Promise<T | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe().catch(() => undefined);
    if (found) {
      return found;
    }
    if (Date.now() > deadline) {
      throw new Error(`not within ${timeoutMs} ms: ${what}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A child program of this folder (see child-*.ts) and its first message. */
async function child<T>(file: string, args: string[]): Promise<{ process: ChildProcess; first: T }> {
  const p = fork(path.join(__dirname, file), args, {
    cwd: path.resolve(__dirname, '../..'),
    execArgv: ['-r', './test/support/ts-register.js'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const first = await new Promise<T>((resolve, reject) => {
    p.once('message', (m) => resolve(m as T));
    p.once('exit', (code) => reject(new Error(`${file} exited (${code}) before it was ready`)));
  });
  return { process: p, first };
}

/** Asks a child to do `cmd` and waits for its answer. */
function ask(p: ChildProcess, cmd: 'stop' | 'start'): Promise<void> {
  return new Promise((resolve, reject) => {
    p.once('message', (m: { done?: string; error?: string }) =>
      m.done === cmd ? resolve() : reject(new Error(m.error ?? JSON.stringify(m)))
    );
    p.send({ cmd });
  });
}

/** Ends a child: asked first, killed when it does not go. */
async function end(p: ChildProcess | undefined) {
  if (!p || p.exitCode !== null) {
    return;
  }
  const exited = new Promise((resolve) => p.once('exit', resolve));
  p.send({ cmd: 'exit' });
  const timer = setTimeout(() => p.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

/** A temporary directory PostgreSQL can use when the tests run as root (it runs as an unprivileged user). */
function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(dir, 0o777);
  return dir;
}

describe('an external database (DATABASE_URL) stopped and started again', () => {
  let postgres: ChildProcess;
  const pg = { stop: () => ask(postgres, 'stop'), start: () => ask(postgres, 'start') };
  let dir: string;
  let url: string;
  let t: CheckedService;
  let agent: FakeFagent;
  let instanceId: number;
  let ids: Record<string, number>;

  beforeAll(async () => {
    dir = tempDir('hpx-db-down-');
    const started = await child<{ url: string }>('child-postgres.ts', [
      path.join(dir, 'data'),
      String(await freePort()),
    ]);
    postgres = started.process;
    url = started.first.url;
    agent = await new FakeFagent().start();
    agent.setBackend('lb', 'web', [
      { name: 'w1', status: 'UP' },
      { name: 'w2', status: 'UP' },
    ]);
    agent.setBackend('lb', 'api', [{ name: 'a1', status: 'UP' }]);
    t = checked(await startTestService({ databaseUrl: url, requestTimeoutMs: 1000, maxRetries: 0 }));
    ({ instanceId } = await registerInstance(t, agent.url, 'lb'));
    await t.call('POST', `/api/haproxy/instances/${instanceId}/sync?wait=true`, { token: t.tokens.operator });
    ids = Object.fromEntries((await serverStates(t.service.ds, instanceId)).map((s) => [s.server, s.id]));
  }, 120_000);

  afterAll(async () => {
    await t?.stop();
    await agent?.stop();
    await end(postgres);
    fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  const sync = () =>
    t.call('POST', `/api/haproxy/instances/${instanceId}/sync?wait=true`, { token: t.tokens.operator });

  test('stopped in the middle of a sync: a clear error, nothing half-written, a clean sync when it is back', async () => {
    const before = await snapshot(t.service.ds, instanceId);
    agent.server('lb', 'web', 'w1').status = 'DOWN';
    agent.setBackend('lb', 'new', [{ name: 'n1', status: 'UP' }]);
    // The sync's write pauses in its last table (its backends, servers and history already written).
    await t.service.ds.query(
      `CREATE FUNCTION hpx_pause() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(30); RETURN NEW; END $$`
    );
    await t.service.ds.query(
      `CREATE TRIGGER hpx_pause BEFORE INSERT ON haproxy_metric_samples_default FOR EACH ROW EXECUTE FUNCTION hpx_pause()`
    );
    const running = sync();
    const watcher = new Client({ connectionString: url });
    watcher.on('error', () => undefined);
    await watcher.connect();
    await until(
      async () => (await watcher.query(`SELECT 1 FROM pg_stat_activity WHERE wait_event = 'PgSleep'`)).rowCount! > 0,
      10_000,
      'the sync writing'
    );
    await watcher.end();
    await pg.stop();

    const res = await running;
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('failed');
    expect(res.body.error).toMatch(/^database unavailable: /);

    await pg.start();
    await t.service.ds.query(`DROP TRIGGER hpx_pause ON haproxy_metric_samples_default; DROP FUNCTION hpx_pause()`);
    expect(await snapshot(t.service.ds, instanceId)).toEqual(before);
    expect((await sync()).body.status).toBe('ok');
    expect((await serverStates(t.service.ds, instanceId)).map((s) => [s.server, s.status])).toEqual([
      ['a1', 'UP'],
      ['n1', 'UP'],
      ['w1', 'DOWN'],
      ['w2', 'UP'],
    ]);
  }, 60_000);

  test('stopped while the agent runs a command: 503 saying HAProxy acted, the audit row kept, then swept', async () => {
    let release!: () => void;
    const post = (r: Recorded) => r.method === 'POST' && r.segments[6] === 'w2';
    agent.inject(post, { kind: 'hold', until: new Promise<void>((r) => (release = r)) }, 1);
    const running = t.call('POST', `/api/haproxy/servers/${ids.w2}/command`, {
      token: t.tokens.operator,
      body: { command: 'maint' },
    });
    await agent.arrived(post);
    await pg.stop();
    release();
    const res = await running;
    expect(res.status).toBe(503);
    expect(res.body.error).toEqual({
      code: 'database_unavailable',
      message: expect.stringMatching(
        /^maint was applied by HAProxy but its outcome could not be recorded \(database unavailable\): audit row \d+ stays pending/
      ),
    });
    expect(agent.server('lb', 'web', 'w2').status).toBe('MAINT');

    await pg.start();
    const audit = async () =>
      (await t.call('GET', `/api/haproxy/actions?server_id=${ids.w2}`, { token: t.tokens.viewer })).body.actions;
    expect(await audit()).toEqual([expect.objectContaining({ command: 'maint', result: 'pending' })]);
    const sweeper = new PendingActionSweeper(t.service.db, silentLog, { staleAfterMs: 0, intervalMs: 60_000 });
    // The command's claim on the server could not be released either: the row waits for its lease to end.
    expect(await sweeper.sweep()).toBe(0);
    expect(await sweeper.sweep(new Date(Date.now() + 600_000))).toBe(1);
    expect(await audit()).toEqual([expect.objectContaining({ command: 'maint', result: 'unknown' })]);
    expect((await sync()).body.status).toBe('ok');
    expect((await t.call('GET', `/api/haproxy/servers/${ids.w2}`)).body.status).toBe('MAINT');
  }, 60_000);

  test('while it is down: every API route 503 database_unavailable, /readyz 503, /healthz degraded; then back', async () => {
    await pg.stop();
    try {
      const sent = agent.requests.length;
      const answers: string[] = [];
      for (const [template, item] of Object.entries(openapi.paths).filter(([p]) => p.startsWith('/api/'))) {
        for (const method of HTTP_METHODS.filter((m) => item[m])) {
          const p = template.replace('{id}', String(ids.w1)).replace('{kind}', 'servers');
          const res = await t.call(method.toUpperCase(), p, { body: method === 'get' ? undefined : {} });
          answers.push(`${method.toUpperCase()} ${template} ${res.status} ${res.body?.error?.code}`);
        }
      }
      expect(answers.filter((a) => !a.endsWith(' 503 database_unavailable'))).toEqual([]);
      expect(answers.length).toBeGreaterThanOrEqual(30);
      expect(agent.requests.length).toBe(sent); // no command reached an agent unaudited
      expect((await t.call('GET', '/readyz')).status).toBe(503);
      const health = (await t.call('GET', '/healthz')).body;
      expect(health).toEqual({
        status: 'degraded',
        database: 'down',
        since: expect.any(String),
        message: expect.any(String),
      });
      // Without a token: the kind of failure, not where the database is or who connects to it.
      expect(health.message).not.toMatch(/127\.0\.0\.1|::1|localhost|:\d{2,5}\b|user/);
    } finally {
      await pg.start();
    }
    expect((await t.call('GET', '/healthz')).body).toEqual({ status: 'ok', database: 'up' });
    expect((await t.call('GET', '/readyz')).status).toBe(200);
    expect((await t.call('GET', '/api/haproxy/summary')).status).toBe(200);
    expect((await sync()).body.status).toBe('ok');
  }, 60_000);
});

describe("the service's own embedded PostgreSQL, killed", () => {
  let dir: string;
  let service: ChildProcess | undefined;
  let url: string;

  beforeAll(async () => {
    dir = tempDir('hpx-embedded-');
    const started = await child<{ url: string }>('child-service.ts', [dir, String(await freePort()), ADMIN_TOKEN]);
    service = started.process;
    url = started.first.url;
  }, 180_000);

  afterAll(async () => {
    await end(service);
    fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  const pidFile = () => path.join(dir, 'postgres', 'postmaster.pid');
  const postmaster = () => Number(fs.readFileSync(pidFile(), 'utf8').split('\n')[0]);
  const get = async (p: string) => {
    const res = await fetch(url + p, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    return { status: res.status, body: (await res.json()) as { error?: unknown } };
  };

  test('/healthz says so while it is dead, the service starts it again, and the API answers again', async () => {
    expect(await get('/healthz')).toEqual({ status: 200, body: { status: 'ok', database: 'up' } });
    const pid = postmaster();
    process.kill(pid, 'SIGKILL');
    // The data directory moved away at once, so the service's first restarts fail and the dead time lasts until
    // it is back: a restart that succeeds between two polls would hide the 503 this test is about.
    const dataDir = path.join(dir, 'postgres');
    fs.renameSync(dataDir, `${dataDir}.away`);
    const down = await until(
      async () => {
        const h = await get('/healthz');
        return h.status === 503 && h;
      },
      10_000,
      '/healthz 503'
    );
    // Seen dead by a failed query or by the process' exit, whichever comes first.
    expect(down.body.error).toEqual({
      code: 'database_unavailable',
      message: expect.stringMatching(/^the embedded database is (restarting|down) since \S+: ./),
    });
    fs.renameSync(`${dataDir}.away`, dataDir);
    await until(async () => (await get('/healthz')).status === 200, 60_000, 'PostgreSQL restarted');
    expect(postmaster()).not.toBe(pid);
    expect((await get('/api/haproxy/summary')).status).toBe(200);
    expect((await get('/readyz')).status).toBe(200);
  }, 90_000);
});
