import dns from 'node:dns';
import { agentUrlProblem } from '../../src/fagent/agent-url';
import { allowedNetworks, cidrProblem } from '../../src/fagent/networks';
import { useFakeAgent } from '../support/fake-fagent';
import { testClient } from '../support/fixtures';

describe('agent URLs', () => {
  test.each(['http://haproxy-1:9100', 'https://10.0.0.5:9100/', 'http://[::1]:9100/agent', 'HTTP://Host:1'])(
    '%s is accepted',
    (url) => expect(agentUrlProblem(url)).toBeUndefined()
  );

  test.each([
    ['not a url', /is not a URL/],
    ['ftp://host/', /must use http or https, not ftp/],
    ['file:///etc/passwd', /must use http or https, not file/],
    ['http://user:secret@host:9100', /must not carry credentials/],
    ['http://user@host:9100', /must not carry credentials/],
    ['http://host:9100/?token=x', /must not have a query or a fragment/],
    ['http://host:9100/#x', /must not have a query or a fragment/],
  ])('%s is refused: %s', (url, message) => {
    const problem = agentUrlProblem(url);
    expect(problem).toMatch(message);
    expect(problem).not.toContain('secret');
  });
});

describe('allowed networks', () => {
  test('CIDR entries are checked', () => {
    for (const ok of ['10.0.0.0/8', '192.0.2.7', '0.0.0.0/0', 'fd00::/8', '::1', '::/0', '2001:db8::/128']) {
      expect(cidrProblem(ok)).toBeUndefined();
    }
    expect(cidrProblem('10.0.0.0/33')).toMatch(/prefix length outside 0..32/);
    expect(cidrProblem('fd00::/129')).toMatch(/outside 0..128/);
    expect(cidrProblem('10.0.0/8')).toMatch(/is not an IPv4 or IPv6 network/);
    expect(cidrProblem('host.example/24')).toMatch(/is not an IPv4 or IPv6 network/);
    expect(cidrProblem('10.0.0.0/8/1')).toBeDefined();
    expect(cidrProblem('10.0.0.0/x')).toBeDefined();
  });

  test('addresses are matched in IPv4 and IPv6, IPv4-mapped IPv6 included', () => {
    const allowed = allowedNetworks(['10.0.0.0/8', 'fd00::/8', '192.0.2.7']);
    expect(allowed.allows('10.1.2.3')).toBe(true);
    expect(allowed.allows('::ffff:10.1.2.3')).toBe(true);
    expect(allowed.allows('fd12::1')).toBe(true);
    expect(allowed.allows('192.0.2.7')).toBe(true);
    expect(allowed.allows('192.0.2.8')).toBe(false);
    expect(allowed.allows('11.0.0.1')).toBe(false);
    expect(allowed.allows('fe80::1')).toBe(false);
    expect(allowed.allows('not-an-address')).toBe(false);
  });
});

describe('the client checks the resolved address of every connection', () => {
  const agent = useFakeAgent().setBackend('main', 'web', [{ name: 'w1', status: 'UP' }]);
  const target = (baseUrl: string) => ({ instanceId: 1, instanceName: 'main', baseUrl });

  test('an address outside the list is refused before anything is sent, named, and not held against the agent', async () => {
    const client = testClient({ allowedNetworks: ['10.0.0.0/8', 'fd00::/8'], breakerThreshold: 1 });
    await expect(client.getBackends(target(agent.url))).rejects.toMatchObject({
      kind: 'blocked',
      message: expect.stringContaining(
        'FAgent address 127.0.0.1 of 127.0.0.1 is outside HAPROXY_FAGENT_ALLOWED_NETWORKS'
      ),
    });
    // A name is checked by what it resolves to, when it is resolved.
    await expect(client.getBackends(target(`http://localhost:${agent.port}`))).rejects.toMatchObject({
      kind: 'blocked',
      message: expect.stringMatching(/FAgent address .*127\.0\.0\.1.* of localhost is outside/),
    });
    await expect(client.getBackends(target(`http://[::1]:${agent.port}`))).rejects.toMatchObject({
      kind: 'blocked',
      message: expect.stringContaining('FAgent address ::1 of'),
    });
    await expect(client.command(target(agent.url), 'web', 'w1', 'drain')).rejects.toMatchObject({ kind: 'blocked' });
    expect(client.breakers.state(1)).toBe('closed');
    expect(agent.requests).toHaveLength(0);
    client.close();
  });

  test('an address inside the list is reached, by IP and by name', async () => {
    const client = testClient({ allowedNetworks: ['127.0.0.0/8', '::1'] });
    await expect(client.getBackends(target(agent.url))).resolves.toEqual(['web']);
    await expect(client.getBackends(target(`http://localhost:${agent.port}`))).resolves.toEqual(['web']);
    expect(agent.requests).toHaveLength(2);
    client.close();
  });

  test('a name that resolves elsewhere later is refused at its next connection', async () => {
    const answers = ['127.0.0.1', '10.9.9.9'];
    const lookup = jest
      .spyOn(dns, 'lookup')
      .mockImplementation(((_host: string, _o: unknown, cb: (e: null, a: dns.LookupAddress[]) => void) =>
        cb(null, [{ address: answers.shift()!, family: 4 }])) as unknown as typeof dns.lookup);
    try {
      const client = testClient({ allowedNetworks: ['127.0.0.0/8'] });
      const t = target(`http://agent.test:${agent.port}`);
      await expect(client.getBackends(t)).resolves.toEqual(['web']);
      agent.dropConnections();
      await expect(client.getBackends(t)).rejects.toMatchObject({
        kind: 'blocked',
        message: expect.stringContaining('FAgent address 10.9.9.9 of agent.test is outside'),
      });
      expect(agent.requests).toHaveLength(1);
      client.close();
    } finally {
      lookup.mockRestore();
    }
  });

  test('a stored URL the API would refuse is not called: a typed error, not held against the agent', async () => {
    const client = testClient({ breakerThreshold: 1 });
    const withCredentials = `http://user:secret@127.0.0.1:${agent.port}`;
    await expect(client.getBackends(target(withCredentials))).rejects.toMatchObject({
      kind: 'blocked',
      message: expect.stringMatching(
        /^FAgent URL must not carry credentials .*: GET \/api\/haproxy\/main\/backends was not sent$/
      ),
    });
    await expect(client.command(target('not a url'), 'web', 'w1', 'drain')).rejects.toMatchObject({ kind: 'blocked' });
    expect(client.breakers.state(1)).toBe('closed');
    expect(agent.requests).toHaveLength(0);
    client.close();
  });

  test('without a list every address is reached', async () => {
    const client = testClient();
    await expect(client.getBackends(target(agent.url))).resolves.toEqual(['web']);
    client.close();
  });
});
