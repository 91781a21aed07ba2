import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HaproxyInstance } from '../../src/agent/haproxy-instance';
import { SilentSocket, startSilentSocket } from './silent-socket';

const SNAPSHOT = 'show info;show stat;show servers state\n';
const DRAIN = 'set server web/s1 state drain\n';

/**
 * A read asked while a command is at HAProxy (a backend's read back after its call timed out) must not share a
 * dump HAProxy was asked for before the command: that dump may not show it, and a drain it shows "not applied"
 * would be a false failure once HAProxy applies it.
 */
describe('HaproxyInstance: reads while a command runs', () => {
  let dir: string;
  let hung: SilentSocket;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'agent-command-read-'));
    hung = await startSilentSocket(join(dir, 'hung.sock'));
  });

  afterAll(async () => {
    await hung?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('start a dump of their own, asked after the command', async () => {
    const instance = new HaproxyInstance(
      'hung',
      { kind: 'unix', path: hung.address },
      {
        timeoutMs: 500,
        snapshotReuseMs: 60_000,
      }
    );
    const settle = (p: Promise<unknown>) =>
      p.then(
        () => 'answered',
        (err: Error) => err.message
      );
    const sent = async (text: string) => {
      const deadline = Date.now() + 2000;
      while (!hung.received.endsWith(text) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(hung.received.endsWith(text)).toBe(true);
    };

    const before = settle(instance.snapshot());
    await sent(SNAPSHOT);
    const command = settle(instance.run('web', 's1', { kind: 'state', state: 'drain' }));
    await sent(DRAIN);
    const after = settle(instance.snapshot());
    await sent(SNAPSHOT);

    expect(hung.received).toBe(SNAPSHOT + DRAIN + SNAPSHOT);
    expect(await Promise.all([before, command, after])).toEqual([
      expect.stringMatching(/did not answer/),
      expect.stringMatching(/did not answer/),
      expect.stringMatching(/did not answer/),
    ]);
  });
});
