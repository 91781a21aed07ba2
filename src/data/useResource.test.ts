import { act, renderHook, waitFor } from '@testing-library/react';
import { http, HttpResponse, type JsonBodyType } from 'msw';
import { summaryOf } from '../test/fixtures';
import { BACKEND, db, PROXY } from '../test/handlers';
import { server } from '../test/server';
import { useBackendServers } from './useBackendServers';
import { useFleetBackends } from './useFleetBackends';
import { useInstanceBackends } from './useInstanceBackends';
import { useInstances } from './useInstances';
import { useSummary } from './useSummary';

describe('data hooks', () => {
  it('useFleetBackends asks the backend for one page with the filters, the next page after its key', async () => {
    const { result, rerender } = renderHook(
      ({ after }: { after?: string }) => useFleetBackends({ filter: { status: 'DOWN', q: 'web' }, after }),
      { initialProps: {} }
    );
    expect(result.current.loading).toBe(true);
    await waitFor(() => expect(result.current.data?.backends.map((b) => [b.name, b.shown])).toEqual([['be_web', 1]]));
    const asked = new URL(`http://x${db.requests[0].path}`).searchParams;
    expect(Object.fromEntries(asked)).toEqual({ status: 'DOWN', server_q: 'web', limit: '50' });

    rerender({ after: 'eyJrIjoxfQ' });
    // The page on screen stays while the next one loads.
    expect(result.current.data?.backends).toHaveLength(1);
    expect(result.current.loading).toBe(true);
    await waitFor(() => expect(db.requests).toHaveLength(2));
    expect(new URL(`http://x${db.requests[1].path}`).searchParams.get('after')).toBe('eyJrIjoxfQ');
    expect(new URL(`http://x${db.requests[1].path}`).searchParams.has('offset')).toBe(false);
  });

  it("useBackendServers reads one backend's servers with the filters and can update one locally", async () => {
    const web = db.fleet.servers.filter((s) => s.backend_name === 'be_web');
    const { result } = renderHook(() => useBackendServers(web[0].backend_id, { q: 'web' }, { limit: 2 }));
    await waitFor(() => expect(result.current.data?.servers.map((s) => s.server_name)).toEqual(['web1', 'web2']));
    expect(result.current.data?.total).toBe(3);
    expect(db.requests[0].path).toContain(`backend_id=${web[0].backend_id}`);
    act(() => result.current.updateServer({ ...result.current.data!.servers[1], status: 'MAINT' }));
    expect(result.current.data!.servers.map((s) => s.status)).toEqual(['UP', 'MAINT']);
  });

  it('an auto-refresh of unchanged data is a 304 that keeps the same data; a change is read in full', async () => {
    const answered: number[] = [];
    const onAnswer = ({ request, response }: { request: Request; response: Response }) => {
      if (request.url === `${BACKEND}/api/haproxy/summary`) {
        answered.push(response.status);
      }
    };
    server.events.on('response:mocked', onAnswer);
    try {
      const { result } = renderHook(() => useSummary(30));
      await waitFor(() => expect(result.current.data).toBeDefined());
      const first = result.current.data;
      await waitFor(() => expect(answered.filter((status) => status === 304).length).toBeGreaterThanOrEqual(2));
      expect(answered[0]).toBe(200);
      expect(result.current.data).toBe(first);
      db.fleet.servers = db.fleet.servers.slice(0, 4);
      await waitFor(() => expect(result.current.data?.servers.total).toBe(4));
      expect(answered).toContain(200);
      expect(answered.lastIndexOf(200)).toBeGreaterThan(0);
    } finally {
      server.events.removeListener('response:mocked', onAnswer);
    }
  });

  it('useInstances passes the host as server_id and reports errors as ApiError', async () => {
    let requested = '';
    server.use(
      http.get(`${PROXY}/api/haproxy/instances`, ({ request }) => {
        requested = request.url;
        return HttpResponse.json(
          { error: { code: 'breaker_open', message: 'breaker open for host-a' } },
          { status: 503 }
        );
      })
    );
    const { result } = renderHook(() => useInstances({ hostId: 1 }));
    await waitFor(() => expect(result.current.error).toBeDefined());
    expect(result.current.error).toMatchObject({
      kind: 'breaker_open',
      status: 503,
      message: 'breaker open for host-a',
    });
    expect(result.current.error!.isConnectionProblem).toBe(false);
    expect(result.current.loading).toBe(false);
    expect(requested).toContain('server_id=1');
  });

  it('useInstanceBackends requests nothing until enabled', async () => {
    const { result, rerender } = renderHook(({ enabled }) => useInstanceBackends(1, enabled), {
      initialProps: { enabled: false },
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(db.requests).toHaveLength(0);
    expect(result.current.loading).toBe(false);
    rerender({ enabled: true });
    await waitFor(() => expect(result.current.data?.map((b) => b.backend_name).sort()).toEqual(['be_api', 'be_web']));
  });

  it('keeps only the latest answer when the key changes quickly', async () => {
    server.use(
      http.get(`${PROXY}/api/haproxy/instances`, async ({ request }) => {
        const hostId = new URL(request.url).searchParams.get('server_id');
        if (hostId === '1') {
          await new Promise((r) => setTimeout(r, 100));
        }
        return HttpResponse.json({ instances: db.fleet.instances.filter((i) => String(i.host_id) === hostId) });
      })
    );
    const { result, rerender } = renderHook(({ hostId }) => useInstances({ hostId }), { initialProps: { hostId: 1 } });
    rerender({ hostId: 2 });
    await waitFor(() => expect(result.current.data?.[0]?.name).toBe('haproxy-2'));
    await new Promise((r) => setTimeout(r, 150));
    expect(result.current.data?.map((i) => i.name)).toEqual(['haproxy-2']);
  });
});

/** A summary endpoint whose answers wait for the test: `release()` lets the oldest waiting one through. */
function gatedSummary() {
  const started: number[] = [];
  const waiting: Array<() => void> = [];
  server.use(
    http.get(`${PROXY}/api/haproxy/summary`, async () => {
      started.push(Date.now());
      await new Promise<void>((resolve) => waiting.push(resolve));
      // Answered as the fleet is when released, so a test can tell answers apart.
      return HttpResponse.json(summaryOf(db.fleet) as unknown as JsonBodyType);
    })
  );
  return {
    started,
    release: () => waiting.shift()?.(),
    waiting: () => waiting.length,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('useResource auto-refresh', () => {
  const INTERVAL = 40;

  it('shows an answer slower than the interval and starts no request while it runs', async () => {
    const backend = gatedSummary();
    const { result } = renderHook(() => useSummary(INTERVAL));
    await waitFor(() => expect(backend.waiting()).toBe(1));
    backend.release();
    await waitFor(() => expect(result.current.data?.servers.total).toBe(7));
    const firstUpdate = result.current.updatedAt!;
    expect(result.current.stale).toBe(false);

    // The first refresh starts one interval after that answer, and hangs for many intervals.
    await waitFor(() => expect(backend.started).toHaveLength(2));
    await sleep(INTERVAL * 8);
    expect(backend.started).toHaveLength(2);
    expect(result.current.stale).toBe(true);
    expect(result.current.data?.servers.total).toBe(7);

    db.fleet.servers = db.fleet.servers.slice(0, 5);
    backend.release();
    await waitFor(() => expect(result.current.data?.servers.total).toBe(5));
    expect(result.current.stale).toBe(false);
    expect(result.current.updatedAt).toBeGreaterThan(firstUpdate);
    // ...and refreshing goes on after it, one interval later.
    await waitFor(() => expect(backend.started).toHaveLength(3));
    expect(backend.started[2] - backend.started[1]).toBeGreaterThanOrEqual(INTERVAL);
  });

  it('a reload asked for during a load runs once, after it', async () => {
    const backend = gatedSummary();
    const { result } = renderHook(() => useSummary());
    await waitFor(() => expect(backend.waiting()).toBe(1));
    act(() => {
      result.current.reload();
      result.current.reload();
    });
    await sleep(INTERVAL);
    expect(backend.started).toHaveLength(1);
    backend.release();
    await waitFor(() => expect(backend.started).toHaveLength(2));
    expect(result.current.data?.servers.total).toBe(7);
    db.fleet.servers = db.fleet.servers.slice(0, 3);
    backend.release();
    await waitFor(() => expect(result.current.data?.servers.total).toBe(3));
    await sleep(INTERVAL);
    expect(backend.started).toHaveLength(2);
  });

  it('drops a running answer when the component unmounts, and stops refreshing', async () => {
    const backend = gatedSummary();
    const { result, unmount } = renderHook(() => useSummary(INTERVAL));
    await waitFor(() => expect(backend.waiting()).toBe(1));
    unmount();
    backend.release();
    await sleep(INTERVAL * 4);
    expect(backend.started).toHaveLength(1);
    expect(result.current.data).toBeUndefined();
  });

  it('a new interval applies from the next wait without a second request', async () => {
    const backend = gatedSummary();
    const { result, rerender } = renderHook(({ refreshMs }) => useSummary(refreshMs), {
      initialProps: { refreshMs: 0 },
    });
    await waitFor(() => expect(backend.waiting()).toBe(1));
    rerender({ refreshMs: INTERVAL });
    await sleep(INTERVAL * 4);
    expect(backend.started).toHaveLength(1);
    backend.release();
    await waitFor(() => expect(result.current.data).toBeDefined());
    await waitFor(() => expect(backend.started).toHaveLength(2));
    rerender({ refreshMs: 0 });
    backend.release();
    await sleep(INTERVAL * 4);
    expect(backend.started).toHaveLength(2);
  });
});
