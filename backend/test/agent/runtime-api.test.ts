import { ReplyCountError, runtimeApiBatch, splitReplies } from '../../src/agent/runtime-api';
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

  it('names the master socket when that is what answered (it lists its own commands instead)', () => {
    const master =
      'Unknown command, but maybe one of the following ones is a better match:\n' +
      '  @<relative pid> : send a command to the <relative pid> process\n' +
      '  @!<pid>         : send a command to the <pid> process\n' +
      '  show proc       : show the list of processes\n\n';
    expect(() => splitReplies(master.repeat(2), 3)).toThrow(
      /got 2: this is HAProxy's master socket, which does not run these commands; give the agent a worker's stats socket/
    );
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
