import { parentPort, workerData } from 'node:worker_threads';
import { niceThisThread } from '../concurrency/thread-priority';
import { FagentError } from './errors';
import { digestState, StateJob } from './state-digest';

niceThisThread((workerData as { nice?: number } | null)?.nice ?? 0);

/** A thread of decode-pool.ts: digests /state answers, answering each job with its digest or its FagentError. */
parentPort!.on('message', ({ id, job }: { id: number; job: StateJob }) => {
  try {
    parentPort!.postMessage({ id, digest: digestState(job) });
  } catch (err) {
    const e = err instanceof FagentError ? err : new FagentError('invalid_answer', (err as Error).message);
    parentPort!.postMessage({ id, error: { kind: e.kind, message: e.message, httpStatus: e.httpStatus } });
  }
});
