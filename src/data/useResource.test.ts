import { act, renderHook, waitFor } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { db, PROXY } from '../test/handlers';
import { server } from '../test/server';
import { useFleetServers } from './useServers';
import { useInstanceBackends } from './useInstanceBackends';
import { useInstances } from './useInstances';

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
