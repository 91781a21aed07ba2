import type { SyncOutcome } from '../api/types';
import { makeSyncOutcome } from '../test/fixtures';
import { syncToast } from './syncToast';

const outcome = (partial: Partial<SyncOutcome>) =>
  makeSyncOutcome({ instance_id: 7, backends: 3, servers: 12, duration_ms: 40, ...partial });

describe('syncToast', () => {
  it('says what a sync found, and only what happened', () => {
    expect(syncToast('edge-1', outcome({}))).toEqual({
      severity: 'success',
      title: 'edge-1 synced',
      detail: '3 backends, 12 servers',
    });
    expect(
      syncToast('edge-1', outcome({ changed_servers: 2, removed_backends: 1, removed_servers: 3, restarted: true }))
    ).toEqual({
      severity: 'success',
      title: 'edge-1 synced',
      detail:
        '3 backends, 12 servers · 2 changed · 1 backend removed · 3 servers removed · HAProxy restarted since the last sync',
    });
    expect(syncToast('edge-1', outcome({ drifting: 2, reapplied: 1, reapply_failed: 1 })).detail).toBe(
      '3 backends, 12 servers · 2 drifting · 1 re-applied · 1 failed to re-apply'
    );
  });

  it('warns of removals held, of a partial sync with its error, and of a skipped one', () => {
    expect(syncToast('edge-1', outcome({ removals_held: true }))).toMatchObject({
      severity: 'warning',
      detail: '3 backends, 12 servers · removals held: confirm them on the instance',
    });
    expect(
      syncToast('edge-1', outcome({ status: 'partial', error: '1 backend(s) could not be read: api: HTTP 500' }))
    ).toEqual({
      severity: 'warning',
      title: 'edge-1 synced in part',
      detail: '3 backends, 12 servers · 1 backend(s) could not be read: api: HTTP 500',
    });
    expect(syncToast('edge-1', outcome({ status: 'skipped', error: 'instance not found' }))).toEqual({
      severity: 'warning',
      title: 'Sync of edge-1 skipped',
      detail: 'instance not found',
    });
  });

  it('reports a failure with its error, and a sync still running after the wait', () => {
    expect(
      syncToast(
        'edge-1',
        outcome({ status: 'failed', error: 'FAgent answered HTTP 502', backends: null, servers: null })
      )
    ).toEqual({ severity: 'error', title: 'Sync of edge-1 failed', detail: 'FAgent answered HTTP 502' });
    expect(syncToast('edge-1', { accepted: true, instance_id: 7 })).toEqual({
      severity: 'success',
      title: 'Sync of edge-1 started',
      detail: 'It is still running; the instance shows its result when it ends.',
    });
  });
});
