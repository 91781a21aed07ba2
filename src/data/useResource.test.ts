import { act, renderHook, waitFor } from '@testing-library/react';
import { http, HttpResponse, type JsonBodyType } from 'msw';
import { summaryOf } from '../test/fixtures';
import { db, PROXY } from '../test/handlers';
import { server } from '../test/server';
import { useFleetServers } from './useServers';
import { useInstanceBackends } from './useInstanceBackends';
import { useInstances } from './useInstances';
import { useSummary } from './useSummary';

describe('data hooks', () => {
  it('useFleetServers loads every page of servers and can update one locally', async () => {
    db.fleet.servers = Array.from({ length: 12001 }, (_, i) => ({
      ...db.fleet.servers[0],
      id: i + 1,
      server_name: `s${i}`,
    }));
    const { result } = renderHook(() => useFleetServers());
    expect(result.current.loading).toBe(true);
    await waitFor(() => expect(result.current.data).toHaveLength(12001));
    const pages = db.requests.filter((r) => r.path.includes('/api/haproxy/servers'));
    expect(pages.map((r) => new URL(`http://x${r.path}`).searchParams.get('offset'))).toEqual(['0', '5000', '10000']);

    act(() => result.current.updateServer({ ...result.current.data![5], status: 'MAINT' }));
    expect(result.current.data![5].status).toBe('MAINT');
    expect(result.current.data![6].status).toBe('UP');
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
