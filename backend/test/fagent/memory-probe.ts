/**
 * Child process of memory.test.ts: one read through a FagentClient with the service's default limits, then
 * one JSON line on stdout with the outcome and this process's peak RSS. Run with test/support/ts-register.js.
 */
import { loadConfig } from '../../src/config';
import { FagentClient } from '../../src/fagent/client';
import { FagentError } from '../../src/fagent/errors';

async function main() {
  const [baseUrl, route] = process.argv.slice(2);
  const config = loadConfig({});
  const client = new FagentClient({
    timeoutMs: 60_000,
    maxRetries: 0,
    cacheTtlSec: 0,
    breakerThreshold: 100,
    breakerResetTimeoutMs: 60_000,
    maxBodyBytes: config.fagentMaxBodyBytes,
    maxServersPerBackend: config.fagentMaxServersPerBackend,
    maxBackendsPerInstance: config.fagentMaxBackendsPerInstance,
    decodeThreads: config.decodeThreads,
  });
  const target = { instanceId: 1, instanceName: 'main', baseUrl };
  let outcome: Record<string, unknown>;
  try {
    const answer = route === 'state' ? await client.getState(target) : await client.getServers(target, 'web');
    // A /state answer decoded on a thread comes with its backends' fingerprints.
    const threaded =
      route === 'state'
        ? (answer as { backends: Array<{ fingerprint?: string }> }).backends[0]?.fingerprint !== undefined
        : undefined;
    outcome = { ok: true, size: JSON.stringify(answer).length, threaded };
  } catch (err) {
    outcome =
      err instanceof FagentError ? { ok: false, kind: err.kind, message: err.message } : { crashed: String(err) };
  }
  client.close();
  // maxRSS is in kilobytes.
  process.stdout.write(`${JSON.stringify({ ...outcome, maxRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`);
}

void main();
