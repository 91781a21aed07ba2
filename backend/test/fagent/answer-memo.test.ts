import { AnswerMemo } from '../../src/fagent/answer-memo';
import { serversFingerprint } from '../../src/sync/fingerprint';
import { on, useFakeAgent } from '../support/fake-fagent';
import { testClient } from '../support/fixtures';

describe('AnswerMemo', () => {
  const digest = (text: string) => AnswerMemo.digest([Buffer.from(text)]);

  test('a value is given back only for the digest it was remembered with', () => {
    const memo = new AnswerMemo<string>(10);
    memo.set('1/web', digest('a'), 'fp-a');
    expect(memo.get('1/web', digest('a'))).toBe('fp-a');
    expect(memo.get('1/web', digest('b'))).toBeUndefined();
    expect(memo.get('2/web', digest('a'))).toBeUndefined();
    memo.set('1/web', digest('b'), 'fp-b');
    expect(memo.get('1/web', digest('a'))).toBeUndefined();
    expect(memo.get('1/web', digest('b'))).toBe('fp-b');
  });

  test('the digest is of the bytes, however they were cut into chunks', () => {
    const bytes = Buffer.from('{"success":true,"servers":[{"name":"é"}]}');
    expect(AnswerMemo.digest([bytes.subarray(0, 7), bytes.subarray(7, 29), bytes.subarray(29)])).toBe(
      AnswerMemo.digest([bytes])
    );
    expect(AnswerMemo.digest([bytes.subarray(1)])).not.toBe(AnswerMemo.digest([bytes]));
  });

  test('past its size the least recently used key goes', () => {
    const memo = new AnswerMemo<number>(2);
    memo.set('a', digest('a'), 1);
    memo.set('b', digest('b'), 2);
    expect(memo.get('a', digest('a'))).toBe(1);
    memo.set('c', digest('c'), 3);
    expect(memo.size).toBe(2);
    expect(memo.get('b', digest('b'))).toBeUndefined();
    expect(memo.get('a', digest('a'))).toBe(1);
    expect(memo.get('c', digest('c'))).toBe(3);
  });
});

describe('FagentClient.getServerList', () => {
  const agent = useFakeAgent();
  const target = (instanceId = 1) => ({ instanceId, instanceName: 'main', baseUrl: agent.url });
  beforeEach(() => {
    agent.setBackend('main', 'web', [
      { name: 'w1', status: 'UP' },
      { name: 'w2', status: 'UP', current_sessions: 3 },
    ]);
  });

  test('the same bytes again keep their fingerprint and are decoded only when their servers are read', async () => {
    const client = testClient();
    const first = await client.getServerList(target(), 'web');
    expect(first.fingerprint).toBe(serversFingerprint(first.servers));
    const parse = jest.spyOn(JSON, 'parse');
    try {
      const again = await client.getServerList(target(), 'web');
      expect(again.fingerprint).toBe(first.fingerprint);
      expect(parse).not.toHaveBeenCalled();
      expect(again.servers).toEqual(first.servers);
      expect(parse).toHaveBeenCalledTimes(1);
      expect(again.servers).toBe(again.servers);
      expect(parse).toHaveBeenCalledTimes(1);
    } finally {
      parse.mockRestore();
      client.close();
    }
  });

  test('changed bytes are decoded: a changed status, and a list that reads the same written otherwise', async () => {
    const client = testClient();
    const first = await client.getServerList(target(), 'web');
    agent.server('main', 'web', 'w2').status = 'DOWN';
    const changed = await client.getServerList(target(), 'web');
    expect(changed.fingerprint).not.toBe(first.fingerprint);
    expect(changed.servers.map((s) => s.status)).toEqual(['UP', 'DOWN']);
    expect(changed.fingerprint).toBe(serversFingerprint(changed.servers));

    // The same servers with other spacing: other bytes, the same list, the same fingerprint.
    const spacedBody = JSON.stringify({ success: true, servers: changed.servers }, null, 2);
    agent.inject(on.servers('web'), { kind: 'status', status: 200, body: spacedBody }, 1);
    const spaced = await client.getServerList(target(), 'web');
    expect(spaced.fingerprint).toBe(changed.fingerprint);
    client.close();
  });

  test('an error answer is an error even with the bytes of a list remembered', async () => {
    const client = testClient();
    const body = '{"success":true,"servers":[]}';
    agent.inject(on.servers('web'), { kind: 'status', status: 200, body }, 1);
    expect((await client.getServerList(target(), 'web')).servers).toEqual([]);
    agent.inject(on.servers('web'), { kind: 'status', status: 503, body }, 1);
    await expect(client.getServerList(target(), 'web')).rejects.toMatchObject({ kind: 'http' });
    client.close();
  });
});
