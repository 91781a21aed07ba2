import { SharedRead } from '../../src/agent/shared-read';

/** A load whose answers the test hands out one by one, and a clock the test moves. */
function harness(reuseMs: number) {
  let now = 1000;
  const pending: Array<{ resolve: (v: number) => void; reject: (e: Error) => void }> = [];
  let loads = 0;
  const read = new SharedRead(
    () =>
      new Promise<number>((resolve, reject) => {
        loads += 1;
        pending.push({ resolve, reject });
      }),
    reuseMs,
    () => now
  );
  return {
    read,
    get loads() {
      return loads;
    },
    advance: (ms: number) => (now += ms),
    /** Settles the oldest unsettled load. */
    answer: async (value: number) => {
      pending.shift()!.resolve(value);
      await new Promise((r) => setImmediate(r));
    },
    fail: async (message: string) => {
      pending.shift()!.reject(new Error(message));
      await new Promise((r) => setImmediate(r));
    },
  };
}

describe('SharedRead', () => {
  it('gives concurrent callers one load', async () => {
    const h = harness(0);
    const reads = [h.read.get(), h.read.get(), h.read.get()];
    expect(h.loads).toBe(1);
    await h.answer(7);
    expect(await Promise.all(reads)).toEqual([7, 7, 7]);
  });

  it('reuses a finished load for reuseMs after it started, then loads again', async () => {
    const h = harness(500);
    const first = h.read.get();
    await h.answer(1);
    expect(await first).toBe(1);
    h.advance(499);
    expect(await h.read.get()).toBe(1);
    expect(h.loads).toBe(1);
    h.advance(1);
    const later = h.read.get();
    expect(h.loads).toBe(2);
    await h.answer(2);
    expect(await later).toBe(2);
  });

  it('with reuseMs 0, shares only while in flight', async () => {
    const h = harness(0);
    const first = h.read.get();
    await h.answer(1);
    await first;
    const second = h.read.get();
    expect(h.loads).toBe(2);
    await h.answer(2);
    expect(await second).toBe(2);
  });

  it('after invalidate, neither a kept nor an in-flight load answers', async () => {
    const h = harness(10_000);
    const kept = h.read.get();
    await h.answer(1);
    await kept;
    h.read.invalidate();
    const inFlight = h.read.get(); // started before the "command" below
    h.read.invalidate();
    const after = h.read.get();
    expect(h.loads).toBe(3);
    await h.answer(2);
    await h.answer(3);
    expect([await inFlight, await after]).toEqual([2, 3]);
    // The load that was invalidated while in flight is not kept either.
    expect(await h.read.get()).toBe(3);
    expect(h.loads).toBe(3);
  });

  it('never keeps a failure', async () => {
    const h = harness(10_000);
    const failing = [h.read.get(), h.read.get()];
    await h.fail('HAProxy away');
    for (const read of failing) {
      await expect(read).rejects.toThrow('HAProxy away');
    }
    const retry = h.read.get();
    expect(h.loads).toBe(2);
    await h.answer(5);
    expect(await retry).toBe(5);
  });
});
