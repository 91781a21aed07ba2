import fs from 'node:fs';
import os from 'node:os';
import { DecodePool } from '../../src/fagent/decode-pool';
import { FagentError } from '../../src/fagent/errors';
import type { FagentState } from '../../src/fagent/schemas';
import { serversFingerprint } from '../../src/sync/fingerprint';
import { extendedServer, FAULT_NAMES, FaultName, namedFault, on, useFakeAgent } from '../support/fake-fagent';
import { testClient } from '../support/fixtures';

/**
 * Large /state answers are decoded on a thread (fagent/decode-pool.ts): what the client answers must be what
 * decoding on the event loop answers, errors included, and a thread that dies must cost nothing but time.
 */

const agent = useFakeAgent({ protocol: 'extended' });
const inline = testClient();
const threaded = testClient({ decodeThreads: 1, decodeThreadMinBytes: 0 });
afterAll(() => {
  inline.close();
  threaded.close();
});

const web = [extendedServer('w1'), extendedServer('w2', 'drain'), extendedServer('w3', 'ready', false)];
const api = [extendedServer('a1', 'maint', true, { current_sessions: 3, weight: 7 })];
agent.setBackend('edge', 'web', web).setBackend('edge', 'api', api);
const target = () => ({ instanceId: 1, instanceName: 'edge', baseUrl: agent.url });

/** The answer as plain data: every backend's servers read (through a getter if left on the thread). */
const plain = (s: FagentState | undefined) => ({
  info: s?.info,
  backends: s?.backends.map((b) => ({ name: b.name, servers: b.servers, error: b.error })),
});

test("a thread's answer is the event loop's, with each backend's fingerprint", async () => {
  const [a, b] = [await inline.getState(target()), await threaded.getState(target())];
  expect(plain(b)).toEqual(plain(a));
  expect(a!.backends.map((x) => x.fingerprint)).toEqual([undefined, undefined]);
  for (const x of b!.backends) {
    expect(x.fingerprint).toBe(serversFingerprint(x.servers));
  }
});

test('a backend whose fingerprint is known comes back without its servers, read on demand', async () => {
  const first = (await threaded.getState(target()))!;
  const known = { web: first.backends.find((b) => b.name === 'web')!.fingerprint! };
  const again = (await threaded.getState(target(), { known }))!;
  const [w, a] = ['web', 'api'].map((n) => again.backends.find((b) => b.name === n)!);
  // The known one was left on the thread: a getter, not a value.
  expect(Object.getOwnPropertyDescriptor(w, 'servers')?.get).toBeDefined();
  expect(Object.getOwnPropertyDescriptor(a, 'servers')?.value).toEqual(
    first.backends.find((b) => b.name === 'api')!.servers
  );
  expect(w.servers).toEqual(first.backends.find((b) => b.name === 'web')!.servers);
  expect(w.fingerprint).toBe(known.web);

  // A known fingerprint that no longer matches brings the servers along.
  agent.server('edge', 'web', 'w1').status = 'DOWN';
  const changed = (await threaded.getState(target(), { known }))!.backends.find((b) => b.name === 'web')!;
  expect(Object.getOwnPropertyDescriptor(changed, 'servers')?.value?.[0]).toMatchObject({ status: 'DOWN' });
  agent.server('edge', 'web', 'w1').status = 'UP';
});

test('names beyond ASCII come back exactly, on a thread and on the event loop', async () => {
  agent.setBackend('edge', 'naïve-日本', [extendedServer('sérveur-🚀')]);
  try {
    for (const client of [inline, threaded]) {
      const state = await client.getState(target());
      expect(state!.backends.find((b) => b.name === 'naïve-日本')?.servers.map((s) => s.name)).toEqual(['sérveur-🚀']);
      expect(await client.getServers(target(), 'naïve-日本')).toMatchObject([{ name: 'sérveur-🚀' }]);
    }
  } finally {
    agent.removeBackend('edge', 'naïve-日本');
  }
});

// Every named fault that answers at once with an answer the client must refuse (the others are about time,
// size or the connection, alternate, or are valid: one-backend-failing fails only that backend).
const NOT_REFUSED = [
  'hang',
  'slow',
  'drip',
  'huge',
  'reset-mid-body',
  'flapping',
  'empty',
  'duplicates',
  'one-backend-failing',
];
const BAD_ANSWERS = FAULT_NAMES.filter((f) => !NOT_REFUSED.includes(f));

test.each(BAD_ANSWERS)('a bad answer (%s) is the same FagentError on a thread', async (fault) => {
  const failure = async (client: typeof inline) => {
    agent.clearFaults().inject(on.state(), namedFault(fault));
    const err = await client.getState(target()).then(
      () => undefined,
      (e: unknown) => e
    );
    expect(err).toBeInstanceOf(FagentError);
    const e = err as FagentError;
    return { kind: e.kind, message: e.message, httpStatus: e.httpStatus, retryable: e.retryable };
  };
  expect(await failure(threaded)).toEqual(await failure(inline));
});

test.each(['duplicates', 'empty', 'one-backend-failing'] as FaultName[])(
  'an odd but valid answer (%s) is the same on a thread',
  async (fault) => {
    agent.inject(on.state(), namedFault(fault));
    expect(plain(await threaded.getState(target()))).toEqual(plain(await inline.getState(target())));
  }
);

const limits = { maxServersPerBackend: 10, maxBackends: 10 };
/** A job for a DecodePool: a /state answer's body in `pieces` chunks, as it may arrive, nothing known. */
const stateJob = (body: string, pieces = 1) => {
  const bytes = Buffer.from(body);
  const step = Math.ceil(bytes.length / pieces);
  const chunks = Array.from({ length: pieces }, (_, i) => bytes.subarray(i * step, (i + 1) * step));
  return { what: 'GET /state', status: 200, body: chunks, limits, known: [] };
};

test('a thread that dies with jobs in hand answers undefined for them (the caller decodes them itself)', async () => {
  const pool = new DecodePool(1);
  const job = stateJob('{"success":true,"info":{},"backends":[]}');
  const pending = pool.digest(job);
  await pool.close();
  await expect(pending).resolves.toBeUndefined();
  // Closed: nothing more goes to a thread.
  await expect(pool.digest(job)).resolves.toBeUndefined();
});

test('threads that cannot start are given up after a few tries: the answers are decoded here', async () => {
  const pool = new DecodePool(2, 0, '/nonexistent/decode-worker.js');
  const job = stateJob('{"success":true,"info":{},"backends":[]}');
  try {
    for (let i = 0; i < 10; i++) {
      await expect(pool.digest(job)).resolves.toBeUndefined();
    }
    expect(pool.started).toBe(6);
  } finally {
    await pool.close();
  }
});

/** The niceness of each of this process's threads (Linux: field 19 of /proc/self/task/<tid>/stat). */
const threadNiceness = () =>
  fs.readdirSync('/proc/self/task').map((tid) => {
    const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  });

test('decoding threads run at the niceness asked for (batch work), the event loop at its own', async () => {
  const own = os.getPriority();
  const pool = new DecodePool(1, own + 7);
  try {
    // Any answer, even one refused, starts the thread.
    await pool.digest(stateJob('{"success":true,"info":{},"backends":[]}')).catch(() => undefined);
    const nice = threadNiceness();
    expect(nice.filter((n) => n === own + 7)).toHaveLength(1);
    expect(os.getPriority()).toBe(own);
  } finally {
    await pool.close();
  }
});

test('a live thread answers its job: errors as FagentErrors, digests with every fingerprint', async () => {
  const pool = new DecodePool(1);
  try {
    await expect(pool.digest(stateJob('{"success":true,"backends":"none"}'))).rejects.toThrow(FagentError);
    const good = (await threaded.getState(target()))!;
    const body = JSON.stringify({
      success: true,
      info: good.info,
      backends: good.backends.map(({ name, servers }) => ({ name, servers })),
    });
    const digest = await pool.digest({ ...stateJob(body), known: [['api', 'stale']] });
    expect(digest?.backends.map((b) => [b.name, b.fingerprint, b.servers?.length])).toEqual(
      good.backends.map((b) => [b.name, serversFingerprint(b.servers), b.servers.length])
    );
  } finally {
    await pool.close();
  }
});

test('answers in flight at once each come back as their own, of every size, while memory is used again', async () => {
  const pool = new DecodePool(2);
  const answer = (n: number) => {
    const servers = Array.from({ length: n }, (_, s) => ({
      name: `s${s}`,
      address: `10.0.0.${s}:80`,
      status: 'UP',
      weight: n,
      current_sessions: 0,
      max_sessions: 100,
    }));
    const info = { version: '2.6.12', pid: 1, started_at: '2026-01-01T00:00:00.000Z', uptime_s: 1 };
    return JSON.stringify({ success: true, info, backends: [{ name: `b${n}`, servers }] });
  };
  try {
    // Larger and smaller bodies interleaved, in as many chunks as servers, twice over: later jobs take memory
    // earlier ones gave back.
    const sizes = [1, 9, 3, 7, 2, 8, 4, 6, 5, 9, 1, 8];
    for (let round = 0; round < 2; round++) {
      const digests = await Promise.all(
        sizes.map((n) =>
          pool.digest({ ...stateJob(answer(n), n), limits: { maxServersPerBackend: 100, maxBackends: 10 } })
        )
      );
      expect(digests.map((d) => [d?.backends[0].name, d?.backends[0].servers?.length])).toEqual(
        sizes.map((n) => [`b${n}`, n])
      );
      expect(digests.every((d, i) => d?.backends[0].servers?.every((s) => s.weight === sizes[i]))).toBe(true);
    }
  } finally {
    await pool.close();
  }
});
