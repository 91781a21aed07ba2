import { BreakerRegistry, BreakerState } from '../../src/fagent/breaker';
import { BreakerOpenError, FagentError } from '../../src/fagent/errors';

const failing = () => Promise.reject(new FagentError('network', 'down'));
const aborted = () => Promise.reject(new FagentError('aborted', 'caller aborted'));
const blocked = () => Promise.reject(new FagentError('blocked', 'address not allowed'));
const unknownServer = () => Promise.reject(new FagentError('http', 'unknown server', 404));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('breaker: calls that say nothing about the agent are neutral', () => {
  let b: BreakerRegistry;
  afterEach(() => b.shutdown());

  test.each([
    ['aborted', aborted],
    ['blocked', blocked],
    ['4xx', unknownServer],
  ])('a %s call between failures does not reset the consecutive count', async (_name, neutral) => {
    b = new BreakerRegistry({ threshold: 3, resetTimeoutMs: 60_000 });
    await expect(b.run(1, failing)).rejects.toThrow('down');
    await expect(b.run(1, failing)).rejects.toThrow('down');
    await expect(b.run(1, neutral)).rejects.toBeInstanceOf(FagentError);
    expect(b.state(1)).toBe('closed');
    await expect(b.run(1, failing)).rejects.toThrow('down');
    expect(b.state(1)).toBe('open');
  });

  test.each([
    ['aborted', aborted],
    ['blocked', blocked],
    ['4xx', unknownServer],
  ])('a %s trial in half-open does not close the breaker', async (_name, neutral) => {
    const changes: BreakerState[] = [];
    b = new BreakerRegistry({ threshold: 1, resetTimeoutMs: 100, onStateChange: (_id, s) => changes.push(s) });
    await expect(b.run(1, failing)).rejects.toThrow('down');
    await sleep(150);
    expect(b.state(1)).toBe('half_open');
    await expect(b.run(1, neutral)).rejects.toBeInstanceOf(FagentError);
    expect(b.state(1)).not.toBe('closed');
    expect(changes).not.toContain('closed');
    // Nothing was learned: a later trial decides, and a success closes it.
    await sleep(150);
    expect(b.state(1)).toBe('half_open');
    await expect(b.run(1, async () => 'ok')).resolves.toBe('ok');
    expect(b.state(1)).toBe('closed');
    // And the count starts again from zero after that success.
    b.forget(1);
  });

  test('while open, another instance (same agent) is not blocked', async () => {
    b = new BreakerRegistry({ threshold: 1, resetTimeoutMs: 60_000 });
    await expect(b.run(1, failing)).rejects.toThrow('down');
    await expect(b.run(1, async () => 'x')).rejects.toBeInstanceOf(BreakerOpenError);
    await expect(b.run(2, async () => 'y')).resolves.toBe('y');
  });
});
