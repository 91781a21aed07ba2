import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { execArgvFor } from '../own-code';
import { FagentError, FagentErrorKind } from './errors';
import { StateDigest, StateJob } from './state-digest';

/** A job as the caller has it: the body in the chunks it arrived in. */
export type DigestRequest = Omit<StateJob, 'body'> & { body: readonly Uint8Array[] };

type Outcome = { digest: StateDigest } | { error: { kind: FagentErrorKind; message: string; httpStatus?: number } };

interface Thread {
  worker: Worker;
  pending: Map<number, { resolve: (o: Outcome | undefined) => void }>;
}

/** Spare shared memory kept for the next bodies, at most this many bytes (a few answers of the thread's largest). */
const MAX_SPARE_BYTES = 32 * 1024 * 1024;

/**
 * Bodies are posted to a thread in shared memory, which it reads where it is. Posted as they are, they are
 * serialised and then copied out again on the thread; and a new SharedArrayBuffer costs more than the answer's
 * parse (zeroed, mapped: 1.4 ms for 350 KB here). So the memory is kept and used again once the thread answered.
 */
class SharedBodies {
  private readonly spare: SharedArrayBuffer[] = [];
  private spareBytes = 0;

  /** The chunks joined in shared memory; give() the copy back when no thread reads it any more. */
  take(chunks: readonly Uint8Array[]): Uint8Array {
    const size = chunks.reduce((n, c) => n + c.byteLength, 0);
    const i = this.spare.findIndex((b) => b.byteLength >= size);
    let memory: SharedArrayBuffer;
    if (i >= 0) {
      [memory] = this.spare.splice(i, 1);
      this.spareBytes -= memory.byteLength;
    } else {
      // A power of two: an answer that grows by a few bytes still fits the memory the last one used.
      memory = new SharedArrayBuffer(2 ** Math.ceil(Math.log2(Math.max(size, 64 * 1024))));
    }
    const copy = new Uint8Array(memory, 0, size);
    let at = 0;
    for (const c of chunks) {
      copy.set(c, at);
      at += c.byteLength;
    }
    return copy;
  }

  give(copy: Uint8Array): void {
    const memory = copy.buffer as SharedArrayBuffer;
    if (this.spareBytes + memory.byteLength <= MAX_SPARE_BYTES) {
      this.spare.push(memory);
      this.spareBytes += memory.byteLength;
    }
  }
}

const WORKER_FILE = path.join(__dirname, `decode-worker${path.extname(__filename)}`);

/**
 * Threads that decode large /state answers off the event loop (HAPROXY_DECODE_THREADS): parsing and validating
 * an instance's whole snapshot takes milliseconds, and with many instances syncing at once it held the loop that
 * answers Grafana and runs the syncs' queries. A thread answers the fingerprints and only the server lists that
 * changed, so little comes back. Threads start when first needed. A thread that dies answers undefined for its
 * jobs: the caller decodes on its own thread instead.
 */
export class DecodePool {
  private readonly threads: Thread[] = [];
  private readonly bodies = new SharedBodies();
  private nextId = 0;
  private closed = false;
  /** Threads that ended without being closed: past a few per slot, threads are given up (see digest). */
  private lost = 0;

  constructor(
    private readonly size: number,
    /** The threads' niceness (thread-priority.ts); 0 leaves them at the process's. */
    private readonly nice = 0,
    /** The thread's script; another only in tests (one that fails to start). */
    private readonly file = WORKER_FILE
  ) {}

  /** How many threads were started, for the tests. */
  get started(): number {
    return this.threads.length + this.lost;
  }

  /** The digest of a /state answer (or its FagentError, thrown); undefined: decode it on this thread. */
  async digest(job: DigestRequest): Promise<StateDigest | undefined> {
    // Threads that keep dying (one that cannot start, say) would cost a start per answer: decode here instead.
    const thread = this.closed || this.size < 1 || this.lost >= 3 * this.size ? undefined : this.pick();
    if (!thread) {
      return undefined;
    }
    const id = this.nextId++;
    const body = this.bodies.take(job.body);
    const outcome = await new Promise<Outcome | undefined>((resolve) => {
      thread.pending.set(id, { resolve });
      thread.worker.postMessage({ id, job: { ...job, body } });
    });
    // Answered, or its thread is gone: nobody reads the copy any more.
    this.bodies.give(body);
    if (outcome === undefined) {
      return undefined;
    }
    if ('error' in outcome) {
      throw new FagentError(outcome.error.kind, outcome.error.message, outcome.error.httpStatus);
    }
    return outcome.digest;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.threads.splice(0).map((t) => t.worker.terminate()));
  }

  /** The least busy thread, a new one while there are fewer than `size`. */
  private pick(): Thread {
    const idle = this.threads.find((t) => t.pending.size === 0);
    if (idle) {
      return idle;
    }
    if (this.threads.length < this.size) {
      return this.spawn();
    }
    return this.threads.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
  }

  private spawn(): Thread {
    const worker = new Worker(this.file, { execArgv: execArgvFor(this.file), workerData: { nice: this.nice } });
    // The threads never keep the process alive: the client's close() ends them.
    worker.unref();
    const thread: Thread = { worker, pending: new Map() };
    worker.on('message', (m: Outcome & { id: number }) => {
      const job = thread.pending.get(m.id);
      thread.pending.delete(m.id);
      job?.resolve(m);
    });
    const lost = () => {
      const i = this.threads.indexOf(thread);
      if (i >= 0) {
        this.threads.splice(i, 1);
        this.lost++;
      }
      for (const job of thread.pending.values()) {
        job.resolve(undefined);
      }
      thread.pending.clear();
    };
    worker.on('error', lost);
    worker.on('exit', lost);
    this.threads.push(thread);
    return thread;
  }
}
