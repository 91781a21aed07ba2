/**
 * The V8 flags the service runs with, wherever it is started: `npm start`, the bench, the demo, the container
 * and the replica processes (test/deployment/compose.test.ts holds them to it).
 *
 * A larger young generation: 16 syncs in flight keep their answers, stored rows and plans alive across each
 * young-generation collection, which copies all of them every 16 MB allocated (6-30 ms each, 12% of a 1% cycle's
 * event loop). Alternated runs on /state (bench, 2026-12-02): with 32 or 64 MB semi-spaces a cycle's CPU fell
 * 12-20%, steady and 1% changed. 64 MB made each collection longer, and the readers' p99 during a 1% cycle
 * with it (32-47 ms against 30-32 ms with 32 MB); 32 MB costs less memory too.
 */
export const SERVICE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=32'];
