/**
 * The V8 flags the service runs with, wherever it is started: `npm start`, the bench, the demo, the container
 * and the replica processes (test/node-flags.test.ts holds them to it).
 *
 * A larger young generation: 16 syncs in flight keep their answers, stored rows and plans alive across each
 * young-generation collection, which copies all of them every 16 MB allocated. With 64 MB semi-spaces the
 * collections come four times less often and a cycle's CPU fell 12-20% (steady and 1% changed, /state, bench
 * 2026-12-02, three runs each way), for about 80 MB more peak RSS; the readers' p99 did not move.
 */
export const SERVICE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=64'];
