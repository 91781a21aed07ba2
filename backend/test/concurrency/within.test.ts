import { within } from '../../src/concurrency/within';

const after = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

test('the work’s value when it comes in time, undefined once the time is up; without a bound, the value', async () => {
  await expect(within(after(5, 'done'), 1000)).resolves.toBe('done');
  await expect(within(after(200, 'late'), 20)).resolves.toBeUndefined();
  await expect(within(after(30, 'unbounded'), undefined)).resolves.toBe('unbounded');
});

test('a failure in time is the caller’s; the timer does not outlive the answer', async () => {
  await expect(within(Promise.reject(new Error('broken')), 1000)).rejects.toThrow('broken');
  // A long bound would keep jest waiting for its timer if it were left running.
  const started = Date.now();
  await within(Promise.resolve(1), 60_000);
  expect(Date.now() - started).toBeLessThan(1000);
});
