import { createServer, get, IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { parseServersState } from '../../backend/src/agent/servers-state';
import { freePort } from '../../backend/test/support/haproxy';
import { Replica, startReplica } from '../../backend/test/support/replica';
import { adminStates, eventually, HEALTH_CHECK, Stack, startStack } from './support';

/**
 * Jobs through a real HAProxy with real traffic: clients hold long requests through HAProxy (an upstream that
 * answers only when told), so the drained server keeps sessions until the test lets them end. The job reads
 * them fresh from the agent, waits, and sets maint; a deadline applies its policy; a ramp shows in HAProxy's
 * own weights; a backend killed mid-job and started again finishes it.
 */

/** An upstream whose health check passes at once and whose other requests wait for release(). */
async function heldUpstream() {
  const waiting: ServerResponse[] = [];
  const server = createServer((req, res) => {
    if (req.url === '/health') {
      res.writeHead(200).end('ok\n');
      return;
    }
    waiting.push(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    /** Answers every request held so far. */
    release() {
      for (const res of waiting.splice(0)) {
        res.writeHead(200).end('done\n');
      }
    },
    stop: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}
type Held = Awaited<ReturnType<typeof heldUpstream>>;

/** A request through HAProxy's frontend that takes as long as the upstream holds it: its status, or its error. */
function longRequest(port: number): Promise<number | string> {
  return new Promise((resolve) => {
    get({ host: '127.0.0.1', port, path: '/work', agent: false }, (res: IncomingMessage) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', (err) => resolve(err.message));
    }).on('error', (err) => resolve(err.message));
  });
}

const sessionsOf = async (stack: Stack, backend: string, server: string) =>
  (await stack.haproxy.serverStats()).find((s) => s.backend === backend && s.name === server)?.currentSessions;

const operation = async (stack: Stack, id: string) =>
  (await stack.service.call('GET', `/api/haproxy/operations/${id}`)).body;
const finished = (stack: Stack, id: string, timeoutMs = 15_000) =>
  eventually(
    async () => {
      const op = await operation(stack, id);
      return ['succeeded', 'failed', 'cancelled'].includes(op.state) && op;
    },
    `operation ${id} to finish`,
    timeoutMs
  );
const createJob = async (stack: Stack, body: Record<string, unknown>) => {
  const res = await stack.service.call('POST', '/api/haproxy/operations', {
    token: stack.service.tokens.operator,
    body,
  });
  expect(res.status).toBe(202);
  return res.body.id as string;
};

/** HAProxy with a frontend on `port` to backend `held` (one server on the held upstream) and a backend `web`. */
const haproxyWith = (held: Held, port: number) => () => ({
  frontends: [{ name: 'fe', bind: `127.0.0.1:${port}`, backend: 'held' }],
  backends: [
    { name: 'held', lines: HEALTH_CHECK, servers: [{ name: 'slow', address: held.address, options: 'check' }] },
    {
      name: 'web',
      lines: HEALTH_CHECK,
      servers: [{ name: 'ramp', address: held.address, options: 'check weight 40' }],
    },
  ],
});

describe('jobs with real traffic', () => {
  let held: Held;
  let port: number;
  let stack: Stack;

  beforeAll(async () => {
    [held, port] = await Promise.all([heldUpstream(), freePort()]);
    stack = await startStack({ haproxy: haproxyWith(held, port), service: { operationPollMs: 100 } });
    await stack.haproxy.waitForStatus('held', 'slow', 'UP');
    await stack.haproxy.waitForStatus('web', 'ramp', 'UP');
    expect((await stack.sync()).status).toBe('ok');
  });
  afterAll(async () => {
    held?.release();
    await stack?.stop();
    await held?.stop();
  });

  it('a drain job waits while sessions remain and sets maint when they end; the clients are answered', async () => {
    const slow = await stack.server('held', 'slow');
    const clients = [longRequest(port), longRequest(port)];
    await eventually(async () => (await sessionsOf(stack, 'held', 'slow')) === 2, 'two sessions on slow');
    const id = await createJob(stack, { action: 'drain', server_ids: [slow.id], deadline_s: 60, reason: 'e2e' });

    const draining = await eventually(async () => {
      const op = await operation(stack, id);
      return op.servers[0].state === 'draining' && op.servers[0].sessions === 2 && op;
    }, 'the job to see two sessions');
    expect(draining.state).toBe('running');
    expect((await adminStates(stack.haproxy, 'held')).slow).toBe('drain');
    await new Promise((r) => setTimeout(r, 600)); // several looks: sessions remain, nothing more happens
    expect((await adminStates(stack.haproxy, 'held')).slow).toBe('drain');
    expect((await operation(stack, id)).servers[0].state).toBe('draining');

    held.release();
    expect(await Promise.all(clients)).toEqual([200, 200]);
    const done = await finished(stack, id);
    expect(done).toMatchObject({ state: 'succeeded', servers: [{ state: 'done', note: 'drained, then maint' }] });
    expect((await adminStates(stack.haproxy, 'held')).slow).toBe('maint');
    expect((await stack.actions(slow.id)).map((a) => a.command)).toEqual(['maint', 'drain']);
    expect((await stack.command(slow.id, 'ready')).status).toBe(200);
  });

  it('past its deadline with sessions left, on_deadline shutdown_sessions cuts them, then maint', async () => {
    const slow = await stack.server('held', 'slow');
    const client = longRequest(port);
    await eventually(async () => (await sessionsOf(stack, 'held', 'slow')) === 1, 'a session on slow');
    const id = await createJob(stack, {
      action: 'drain',
      server_ids: [slow.id],
      deadline_s: 1,
      on_deadline: 'shutdown_sessions',
    });
    const done = await finished(stack, id);
    expect(done.state).toBe('succeeded');
    expect(await client).not.toBe(200); // cut by HAProxy, not answered
    expect(await sessionsOf(stack, 'held', 'slow')).toBe(0);
    expect((await adminStates(stack.haproxy, 'held')).slow).toBe('maint');
    expect((await stack.actions(slow.id)).slice(0, 3).map((a) => a.command)).toEqual([
      'maint',
      'shutdown-sessions',
      'drain',
    ]);
    held.release();
    expect((await stack.command(slow.id, 'ready')).status).toBe(200);
  });

  it('a ramp shows in HAProxy weights step by step: the first step before ready, ending at the configured 40', async () => {
    const ramp = await stack.server('web', 'ramp');
    expect((await stack.command(ramp.id, 'maint')).status).toBe(200);
    const res = await stack.command(ramp.id, 'ready', { ramp: { steps: [25, 50, 100], interval_s: 1 } });
    expect(res.status).toBe(202);
    const id = res.body.operation.id as string;
    const seen: Array<[string, number]> = [];
    for (let end = Date.now() + 15_000; Date.now() < end;) {
      const [row] = parseServersState(await stack.haproxy.runtime('show servers state web'));
      const last = seen[seen.length - 1];
      if (!last || last[0] !== row.adminState || last[1] !== row.weight) {
        seen.push([row.adminState, row.weight]);
      }
      if ((await operation(stack, id)).state === 'succeeded') {
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    // In maint at its configured weight; back in service only at the first step (the weight is set before
    // ready: the two commands are too close to sample between), then each step, ending at the configured 40.
    expect(seen[0]).toEqual(['maint', 40]);
    expect(seen.filter(([admin]) => admin === 'ready')).toEqual([
      ['ready', 10],
      ['ready', 20],
      ['ready', 40],
    ]);
    const commands = (await stack.actions(ramp.id)).reverse().map((a) => a.command);
    expect(commands).toEqual(['maint', 'weight', 'ready', 'weight', 'weight']);
    expect((await operation(stack, id)).servers[0]).toMatchObject({ state: 'done', weight: 40 });
  });
});

describe('the backend killed mid-job', () => {
  let held: Held;
  let port: number;
  let stack: Stack;
  const children: Replica[] = [];

  /** The backend in a child process on the stack's database, running jobs (no sync) with a short lease. */
  async function childBackend(): Promise<Replica> {
    const r = await startReplica(stack.service.db.url, {
      windowCheckIntervalMs: 0,
      minAvailable: { count: 0 },
      operationPollMs: 100,
      operationLeaseMs: 1500,
    });
    children.push(r);
    return r;
  }

  beforeAll(async () => {
    [held, port] = await Promise.all([heldUpstream(), freePort()]);
    // This process's backend runs no jobs: the children do.
    stack = await startStack({ haproxy: haproxyWith(held, port), service: { operationPollMs: 0 } });
    await stack.haproxy.waitForStatus('held', 'slow', 'UP');
    expect((await stack.sync()).status).toBe('ok');
  });
  afterAll(async () => {
    for (const r of children) {
      await r.stop();
    }
    held?.release();
    await stack?.stop();
    await held?.stop();
  });

  it('started again, it resumes the job where it was (no second drain) and completes it', async () => {
    const slow = await stack.server('held', 'slow');
    const first = await childBackend();
    const client = longRequest(port);
    await eventually(async () => (await sessionsOf(stack, 'held', 'slow')) === 1, 'a session on slow');
    const id = await createJob(stack, { action: 'drain', server_ids: [slow.id], deadline_s: 120 });
    await eventually(async () => (await operation(stack, id)).servers[0].sessions === 1, 'the first backend draining');
    expect((await adminStates(stack.haproxy, 'held')).slow).toBe('drain');

    const exited = new Promise((resolve) => first.process.once('exit', resolve));
    first.process.kill('SIGKILL');
    await exited;
    held.release();
    expect(await client).toBe(200);
    expect((await operation(stack, id)).state).toBe('running'); // nobody runs it now

    await childBackend();
    const done = await finished(stack, id, 20_000);
    expect(done).toMatchObject({ state: 'succeeded', servers: [{ state: 'done' }] });
    expect((await adminStates(stack.haproxy, 'held')).slow).toBe('maint');
    expect((await stack.actions(slow.id)).map((a) => a.command)).toEqual(['maint', 'drain']);
  }, 120_000);
});
