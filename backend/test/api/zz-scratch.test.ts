import http from 'node:http';
import { startTestService, TestService } from '../support/service';
let t: TestService;
beforeAll(async () => { t = await startTestService({ maxBodyBytes: 2048 }); });
afterAll(async () => { await t?.stop(); });
function raw(method: string, path: string, chunks: string[], headers: Record<string, string> = {}) {
  return new Promise<{ status?: number; body: string; err?: string }>((resolve) => {
    const u = new URL(t.url + path);
    const req = http.request({ host: u.hostname, port: u.port, path, method, headers: { authorization: `Bearer ${t.tokens.admin}`, 'content-type': 'application/json', ...headers } }, (res) => {
      let b = ''; res.on('data', (c) => (b += c)); res.on('end', () => resolve({ status: res.statusCode, body: b }));
    });
    req.on('error', (e) => resolve({ body: '', err: e.message }));
    for (const c of chunks) req.write(c);
    req.end();
  });
}
test('probe', async () => {
  const log = (x: string, r: unknown) => console.log(x, JSON.stringify(r));
  log('405', await t.call('PUT', '/api/hosts'));
  log('405b', await t.call('POST', '/api/haproxy/summary'));
  log('unknown', await t.call('GET', '/api/nope', { token: null }));
  log('unknown2', await t.call('GET', '/api/hosts/1/x', { token: null }));
  log('options', await t.call('OPTIONS', '/api/hosts', { token: null }));
  log('chunked-big', await raw('POST', '/api/hosts', Array(10).fill('x'.repeat(1000))));
  log('cl-big', await raw('POST', '/api/hosts', ['x'.repeat(5000)]));
  log('after', await t.call('GET', '/api/hosts'));
  log('noauth-bad-json', await t.call('POST', '/api/hosts', { token: null, body: '{x' }));
  log('app-create', await t.call('POST', '/api/applications', { body: { name: 'a', host_id: 5 } }));
  log('app-create2', await t.call('POST', '/api/applications', { body: { name: 'a' } }));
  log('app-patch', await t.call('PATCH', '/api/applications/1', { body: { host_id: null } }));
  log('app-del', await t.call('DELETE', '/api/applications/1'));
  log('app-del404', await t.call('DELETE', '/api/applications/1'));
  log('id', await t.call('GET', '/api/hosts/99999999999'));
  log('id2', await t.call('GET', '/api/hosts/1.5'));
  log('id3', await t.call('GET', '/api/hosts/0x10'));
  log('q', await t.call('GET', '/api/haproxy/servers?status=FOO'));
  log('head', await t.call('HEAD', '/api/hosts'));
});
