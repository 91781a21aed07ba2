/**
 * One read of an instance's state shared by everyone who asks at the same time, and reused for
 * `reuseMs` after it started (0: never reused, only shared while in flight). The backend asks for a
 * whole instance in many requests (the seed protocol's one per backend); each would otherwise cost
 * HAProxy a full dump. `invalidate()` after a command makes the next read start afresh, so a read
 * after a command always sees it. Failures are never kept.
 */
export class SharedRead<T> {
  private inFlight: Promise<T> | null = null;
  private last: { value: T; startedAt: number } | null = null;
  /** Bumped by invalidate(): a read started before a command must not be kept after it. */
  private generation = 0;

  constructor(
    private readonly load: () => Promise<T>,
    private readonly reuseMs: number,
    private readonly now: () => number = Date.now
  ) {}

  get(): Promise<T> {
    const startedAt = this.now();
    if (this.last && startedAt - this.last.startedAt < this.reuseMs) {
      return Promise.resolve(this.last.value);
    }
    if (this.inFlight) {
      return this.inFlight;
    }
    const generation = this.generation;
    const read = this.load().then((value) => {
      if (generation === this.generation) {
        this.last = { value, startedAt };
      }
      return value;
    });
    this.inFlight = read;
    const settled = () => {
      if (this.inFlight === read) {
        this.inFlight = null;
      }
    };
    read.then(settled, settled);
    return read;
  }

  invalidate(): void {
    this.generation += 1;
    this.last = null;
    this.inFlight = null;
  }
}
