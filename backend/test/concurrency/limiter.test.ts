import { Limiter } from '../../src/concurrency/limiter';

/** A task that runs until released, noting how many ran at once. */
function gate(limiter: Limiter) {
  let running = 0;
  let most = 0;
  const order: number[] = [];
  const releases: Array<() => void> = [];
  const start = (n: number) =>
    limiter.run(async () => {
      order.push(n);
      most = Math.max(most, ++running);
      await new Promise<void>((resolve) => releases.push(resolve));
      running--;
    });
  return {
    start,
    get running() {
      return running;
    },
    get most() {
      return most;
    },
    order,
    releaseOne: () => releases.shift()?.(),
  };
}

const settle = () => new Promise((r) => setImmediate(r));

test('never more than the limit at once, in the order they came', async () => {
  const l = new Limiter(2);
  const g = gate(l);
  const all = [1, 2, 3, 4, 5].map(g.start);
  await settle();
  expect(g.order).toEqual([1, 2]);
  while (g.order.length < 5 || g.running > 0) {
    g.releaseOne();
    await settle();
  }
  await Promise.all(all);
  expect(g.order).toEqual([1, 2, 3, 4, 5]);
  expect(g.most).toBe(2);
});

test('a lower limit lets the running tasks finish and starts no more until they are under it', async () => {
  const l = new Limiter(4);
  const g = gate(l);
  const all = [1, 2, 3, 4, 5, 6].map(g.start);
  await settle();
  expect(g.running).toBe(4);
  l.limit = 1;
  g.releaseOne();
  g.releaseOne();
  await settle();
  expect(g.running).toBe(2); // the two still running go on; nothing new starts
  g.releaseOne();
  await settle();
  expect(g.running).toBe(1);
  g.releaseOne();
  await settle();
  expect(g.running).toBe(1); // one finished, one started: the new limit
  expect(g.order).toEqual([1, 2, 3, 4, 5]);
  l.limit = 3; // a higher limit starts the waiting task at once
  await settle();
  expect(g.order).toEqual([1, 2, 3, 4, 5, 6]);
  expect(g.running).toBe(2);
  while (g.running > 0) {
    g.releaseOne();
    await settle();
  }
  await Promise.all(all);
});

test('tasks woken by a higher limit hold their places: one that arrives before they resume waits its turn', async () => {
  const l = new Limiter(1);
  const g = gate(l);
  const first = [1, 2, 3].map(g.start);
  await settle();
  l.limit = 3; // wakes 2 and 3, which have not run yet when 4 arrives
  const late = g.start(4);
  await settle();
  expect(g.order).toEqual([1, 2, 3]);
  expect(g.most).toBe(3);
  g.releaseOne();
  await settle();
  expect(g.order).toEqual([1, 2, 3, 4]);
  while (g.running > 0) {
    g.releaseOne();
    await settle();
  }
  await Promise.all([...first, late]);
  expect(g.most).toBe(3);
});
