/**
 * Prints how many FAgent requests per second the agent answers for one real HAProxy with 50 backends of
 * 20 servers, the way the backend's sync asks (the seed protocol: /backends, then every backend's
 * /servers, 8 at a time; and the one-request /state), without and with snapshot reuse. A measurement,
 * not a test: it asserts nothing.
 *
 *   npx ts-node -T -P backend/tsconfig.json backend/test/agent/measure-throughput.ts
 */
import { startAgentServer } from '../../src/agent/server';
import { startHaproxy, startUpstream, stopAllHaproxies } from '../support/haproxy';

const BACKENDS = 50;
const SERVERS = 20;
const CONCURRENCY = 8;
const DURATION_MS = 5000;
const TOKEN = 'measure-token-0123456789';

async function main(): Promise<void> {
  const upstream = await startUpstream();
  const haproxy = await startHaproxy({
    backends: Array.from({ length: BACKENDS }, (_, b) => ({
      name: `backend_${b}`,
      servers: Array.from({ length: SERVERS }, (_, s) => ({ name: `srv_${s}`, address: upstream.address })),
    })),
  });
  const results: Record<string, unknown> = {};
  try {
    for (const snapshotReuseMs of [0, 500]) {
      const agent = await startAgentServer({
        token: TOKEN,
        requestTimeoutMs: 3000,
        snapshotReuseMs,
        instances: new Map([['main', { kind: 'unix' as const, path: haproxy.socketPath }]]),
      });
      const get = async (path: string) => {
        const res = await fetch(`${agent.url}/api/haproxy/main${path}`, {
          headers: { authorization: `Bearer ${TOKEN}` },
        });
        if (res.status !== 200) {
          throw new Error(`${path}: ${res.status} ${await res.text()}`);
        }
        return (await res.json()) as { backends: string[] };
      };
      const seedSync = async () => {
        const { backends } = await get('/backends');
        const queue = [...backends];
        await Promise.all(
          Array.from({ length: CONCURRENCY }, async () => {
            for (let b = queue.shift(); b !== undefined; b = queue.shift()) {
              await get(`/backends/${encodeURIComponent(b)}/servers`);
            }
          })
        );
        return 1 + backends.length;
      };
      const stateSync = async () => {
        await get('/state');
        return 1;
      };
      for (const [label, sync] of [
        ['seed', seedSync],
        ['state', stateSync],
      ] as const) {
        const rate = await measure(sync).catch((err: Error) => ({ error: err.message }));
        results[`${label}_reuse_${snapshotReuseMs}ms`] = rate;
      }
      await agent.stop();
    }
  } finally {
    await stopAllHaproxies();
    await upstream.stop();
  }
  console.log(
    JSON.stringify({
      backends: BACKENDS,
      servers_per_backend: SERVERS,
      concurrency: CONCURRENCY,
      // With reuse, back-to-back syncs also share dumps with each other: an upper bound, not a per-sync cost.
      results,
    })
  );
}

/** Runs whole instance syncs one after another for DURATION_MS. */
async function measure(sync: () => Promise<number>) {
  await sync(); // warm-up
  let requests = 0;
  let syncs = 0;
  const started = Date.now();
  while (Date.now() - started < DURATION_MS) {
    requests += await sync();
    syncs += 1;
  }
  const seconds = (Date.now() - started) / 1000;
  return {
    requests_per_s: Math.round(requests / seconds),
    instance_syncs_per_s: Number((syncs / seconds).toFixed(1)),
  };
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
