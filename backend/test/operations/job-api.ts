import type { Harness } from '../api/helpers';
import { extendedServer, FakeServer } from '../support/fake-fagent';

/** n ready, up servers j1..jn of weight 100, for a job to work on. */
export const jobServers = (n: number, extra: Partial<FakeServer> = {}) =>
  Array.from({ length: n }, (_, i) => extendedServer(`j${i + 1}`, 'ready', true, { weight: 100, ...extra }));

/** A job that has ended. */
export const final = (op: any) => ['succeeded', 'failed', 'cancelled'].includes(op.state);

/** Jobs through the API of a harness: create (an operator by default), read (a viewer), and wait for a state. */
export function jobApi(h: Harness) {
  const create = (body: Record<string, unknown>, token = h.t.tokens.operator) =>
    h.t.call('POST', '/api/haproxy/operations', { token, body });
  const get = async (id: string) =>
    (await h.t.call('GET', `/api/haproxy/operations/${id}`, { token: h.t.tokens.viewer })).body;
  /** Polls the job until `done` says so (the worker polls its servers every 100 ms in tests). */
  async function until(id: string, done: (op: any) => boolean, timeoutMs = 10_000) {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const op = await get(id);
      if (done(op)) {
        return op;
      }
      if (Date.now() > end) {
        throw new Error(`operation ${id} did not get there: ${JSON.stringify(op)}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return { create, get, until };
}
