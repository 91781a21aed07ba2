/** Runs at most `limit` tasks at once; the rest wait in FIFO order. The limit may change while tasks run. */
export class Limiter {
  private active = 0;
  private readonly queue: Array<() => void> = [];

  constructor(private max: number) {}

  get limit(): number {
    return this.max;
  }

  /** A lower limit lets the running tasks finish; a higher one starts waiting tasks at once. */
  set limit(n: number) {
    this.max = n;
    this.wake();
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active < this.max && this.queue.length === 0) {
      this.active++;
    } else {
      // The slot is taken by whoever wakes this task (wake), so no newcomer can slip in before it resumes.
      await new Promise<void>((resolve) => this.queue.push(resolve));
    }
    try {
      return await task();
    } finally {
      this.active--;
      this.wake();
    }
  }

  private wake(): void {
    while (this.active < this.max && this.queue.length > 0) {
      this.active++;
      this.queue.shift()!();
    }
  }
}

/** Maps over items with bounded concurrency, keeping the input order in the result. */
export async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const limiter = new Limiter(limit);
  return Promise.all(items.map((item) => limiter.run(() => fn(item))));
}
