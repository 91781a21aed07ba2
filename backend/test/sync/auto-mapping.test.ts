import { normaliseStatus } from '../../src/domain/status';
import { hostKey, MappingIndex } from '../../src/sync/auto-mapping';

describe('hostKey', () => {
  test.each([
    ['web1.prod.example.com:8080', 'web1'],
    ['WEB1.example.com', 'web1'],
    ['10.1.2.3:80', '10.1.2.3'],
    ['10.1.2.3', '10.1.2.3'],
    ['[2001:db8::1]:443', '2001:db8::1'],
    ['2001:db8::1', '2001:db8::1'],
    // Any spelling of an IPv6 address is the one HAProxy prints (inet_ntop's).
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['[0:0:0:0:0:0:0:1]:80', '::1'],
    ['db-7:5432', 'db-7'],
    ['', null],
    [':80', null],
  ])('%s -> %s', (address, key) => expect(hostKey(address)).toBe(key));
});

describe('MappingIndex', () => {
  const hosts = [
    { id: 1, name: 'web1.prod.example.com', address: '10.0.0.1' },
    { id: 2, name: 'web2', address: '10.0.0.2' },
    { id: 3, name: 'db1.site-a.example.com', address: '10.0.1.1' },
    { id: 4, name: 'db1.site-b.example.com', address: '10.0.2.1' },
    { id: 5, name: 'multi', address: '10.0.0.5' },
    { id: 6, name: 'bare', address: '10.0.0.6' },
  ];
  const apps = [
    { id: 100, name: 'shop', hostId: 1 },
    { id: 101, name: 'shop', hostId: 2 },
    { id: 102, name: 'db', hostId: 3 },
    { id: 103, name: 'db', hostId: 4 },
    { id: 104, name: 'api', hostId: 5 },
    { id: 105, name: 'admin', hostId: 5 },
  ];
  const index = new MappingIndex(hosts, apps);

  test("DNS name: first label to host name, then that host's application", () => {
    expect(index.resolve('web1.internal:8080', 'shop_backend')).toEqual({ applicationId: 100, note: null });
  });
  test('IP address: to the host with that address', () => {
    expect(index.resolve('10.0.0.2:80', 'x')).toEqual({ applicationId: 101, note: null });
  });
  test('a key matching two hosts is ambiguous: unmapped, reported', () => {
    const d = index.resolve('db1:5432', 'pg');
    expect(d.applicationId).toBeNull();
    expect(d.note).toMatch(/ambiguous.*db1\.site-a.*db1\.site-b/);
  });
  test('a host with several applications: the backend name may single one out, else ambiguous', () => {
    expect(index.resolve('multi:80', 'API')).toEqual({ applicationId: 104, note: null });
    expect(index.resolve('multi:80', 'other').note).toMatch(/ambiguous: host multi runs applications admin, api/);
  });
  test('applications named alike in another case: the one named exactly as the backend, else ambiguous', () => {
    const cased = new MappingIndex(
      [{ id: 1, name: 'lb', address: '10.0.0.1' }],
      [
        { id: 10, name: 'Shop', hostId: 1 },
        { id: 11, name: 'shop', hostId: 1 },
      ]
    );
    expect(cased.resolve('lb:80', 'shop')).toEqual({ applicationId: 11, note: null });
    expect(cased.resolve('lb:80', 'Shop')).toEqual({ applicationId: 10, note: null });
    expect(cased.resolve('lb:80', 'SHOP').note).toMatch(/ambiguous: host lb runs applications Shop, shop/);
  });
  test('no host, or a host without applications: nothing, silently', () => {
    expect(index.resolve('unknown:80', 'x')).toEqual({ applicationId: null, note: null });
    expect(index.resolve('bare:80', 'x')).toEqual({ applicationId: null, note: null });
  });
  test("a server on a socket (HAProxy's address `unix`, `abns`) has no host: not mapped to one named so", () => {
    const socketHosts = new MappingIndex(
      [
        ...hosts,
        { id: 7, name: 'unix.example.com', address: '10.0.0.7' },
        { id: 8, name: 'abns', address: '10.0.0.8' },
      ],
      [...apps, { id: 106, name: 'sock', hostId: 7 }, { id: 107, name: 'sock', hostId: 8 }]
    );
    for (const address of ['unix', 'abns', 'sockpair']) {
      expect(socketHosts.explain(address, 'sock')).toMatchObject({ applicationId: null, reason: 'no_address' });
    }
    // A DNS name that starts with the word is still a host.
    expect(socketHosts.resolve('unix.internal:80', 'x')).toEqual({ applicationId: 106, note: null });
  });
  test('the result does not depend on the order hosts were listed in', () => {
    const reversed = new MappingIndex([...hosts].reverse(), [...apps].reverse());
    for (const a of ['web1:1', '10.0.0.2:1', 'db1:1', 'multi:1']) {
      expect(reversed.resolve(a, 'z')).toEqual(index.resolve(a, 'z'));
    }
  });
});

describe('normaliseStatus', () => {
  test.each([
    ['UP', 'UP'],
    ['UP 1/3', 'UP'],
    ['DOWN', 'DOWN'],
    ['DOWN (agent)', 'DOWN'],
    ['DOWN 1/2', 'DOWN'],
    ['MAINT', 'MAINT'],
    ['MAINT (via web/w1)', 'MAINT'],
    ['MAINT (resolution)', 'MAINT'],
    ['DRAIN', 'DRAIN'],
    ['DRAIN (agent)', 'DRAIN'],
    ['NOLB', 'NOLB'],
    ['no check', 'UP'],
    ['', 'UNKNOWN'],
    ['weird', 'UNKNOWN'],
  ])('%s -> %s', (raw, status) => expect(normaliseStatus(raw)).toBe(status));
});
