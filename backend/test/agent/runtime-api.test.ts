import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  MasterCliError,
  ReplyCountError,
  runtimeApiBatch,
  runtimeApiExchange,
  splitReplies,
} from '../../src/agent/runtime-api';
import { capturedReply } from './captured';

describe('splitReplies', () => {
  it("splits a real batch reply into each command's output", () => {
    const [info, stat, state] = splitReplies(capturedReply('lb'), 3);
    expect(info).toMatch(/^Name: HAProxy\n/);
    expect(info).toMatch(/\nTainted: 0\n$/);
    expect(stat).toMatch(/^# pxname,svname,/);
    expect(state).toMatch(/^1\n# be_id be_name /);
    // A process without servers: the state output is its version and header only.
    expect(splitReplies(capturedReply('empty-instance'), 3)[2]).toMatch(/^1\n# be_id [^\n]*\n$/);
  });

  it('keeps an empty output (a successful set) as its own reply', () => {
    // HAProxy 2.6's replies to "set server b/s weight 50%;get weight b/s", successful and refused.
    expect(splitReplies('\n5 (initial 10)\n\n', 2)).toEqual(['', '5 (initial 10)\n']);
    expect(splitReplies('No such server.\n\n5 (initial 10)\n\n', 2)).toEqual(['No such server.\n', '5 (initial 10)\n']);
  });

  it('refuses a reply with another number of outputs', () => {
    expect(() => splitReplies('Unknown command.\n\n', 3)).toThrow(ReplyCountError);
    expect(() => splitReplies('', 1)).toThrow(/expected 1 replies from HAProxy, got 0/);
  });
});

describe('runtimeApiBatch', () => {
  it('refuses a command that would split the batch, before connecting', async () => {
    const nowhere = { kind: 'unix' as const, path: '/nonexistent/admin.sock' };
    await expect(runtimeApiBatch(nowhere, ['show info', 'show stat;shutdown frontend x'], 100)).rejects.toThrow(
      /must not contain/
    );
    await expect(runtimeApiBatch(nowhere, ['show info\nshow stat'], 100)).rejects.toThrow(/must not contain/);
  });
});

describe('runtimeApiExchange on the master CLI', () => {
  /** A socket that answers every command with `reply`, as HAProxy's CLI does in non-interactive mode. */
  async function answering(reply: string) {
    const path = join(tmpdir(), `runtime-api-${process.pid}-${Math.random().toString(36).slice(2)}.sock`);
    const server = createServer({ allowHalfOpen: true }, (socket) => {
      socket.on('error', () => undefined);
      socket.on('end', () => socket.end(reply));
      socket.resume();
    });
    await new Promise<void>((resolve) => server.listen(path, resolve));
    return { address: { kind: 'unix' as const, path }, close: () => new Promise((r) => server.close(r)) };
  }
  const suggestions = (lines: string[]) =>
    `Unknown command, but maybe one of the following ones is a better match:\n${lines.map((l) => `  ${l}\n`).join('')}\n`;

  // HAProxy 2.6's master answers, captured: the suggestions depend on the command, so none is always there.
  it.each([
    ['show info', ['show cli level : display the level', 'show proc : show processes status', 'quit : disconnect']],
    ['set server web/a weight 5', ['@master : send a command to the master process', 'quit : disconnect']],
    ['set server web/a state drain', ['@<relative pid> : send a command to the <relative pid> process']],
  ])('names the master socket for %s', async (command, lines) => {
    const socket = await answering(suggestions(lines));
    try {
      await expect(runtimeApiExchange(socket.address, command, 1000)).rejects.toThrow(MasterCliError);
      await expect(runtimeApiExchange(socket.address, command, 1000)).rejects.toThrow(/master socket/);
    } finally {
      await socket.close();
    }
  });

  it("leaves a worker's own unknown-command answer as it is", async () => {
    const worker = suggestions(['set server <bk>/<srv> [opts] : change a server', 'quit : disconnect']);
    const socket = await answering(worker);
    try {
      expect(await runtimeApiExchange(socket.address, 'set foo', 1000)).toBe(worker);
    } finally {
      await socket.close();
    }
  });
});
