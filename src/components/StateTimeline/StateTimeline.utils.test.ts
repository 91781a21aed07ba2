import { timelineOf } from './StateTimeline.utils';
import { change, MIN, T } from './testChanges';

describe('timelineOf', () => {
  it('keeps admin and operational apart: a change of one leaves the other row as it was', () => {
    const history = [
      // newest first, as the backend answers
      change(40, { admin_from: 'drain', admin_to: 'ready', cause: 'command' }),
      change(20, { operational_from: 'up', operational_to: 'down' }),
      change(10, { admin_from: 'ready', admin_to: 'drain', cause: 'command' }),
    ];
    const { admin, operational } = timelineOf(history, T, T + 60 * MIN);
    expect(admin).toEqual([
      { state: 'ready', from: T, to: T + 10 * MIN },
      { state: 'drain', from: T + 10 * MIN, to: T + 40 * MIN, cause: 'command' },
      { state: 'ready', from: T + 40 * MIN, to: T + 60 * MIN, cause: 'command' },
    ]);
    expect(operational).toEqual([
      { state: 'up', from: T, to: T + 20 * MIN },
      { state: 'down', from: T + 20 * MIN, to: T + 60 * MIN, cause: 'sync' },
    ]);
  });

  it('orders changes recorded at the same instant by id: a reload and its re-apply end on what was re-applied', () => {
    const reload = change(30, { admin_from: 'drain', admin_to: 'ready', cause: 'reload' });
    const reconcile = change(30, { admin_from: 'ready', admin_to: 'drain', cause: 'reconcile' });
    // newest first (changed_at DESC, id DESC), as the backend answers
    const { admin } = timelineOf([reconcile, reload], T, T + 60 * MIN);
    expect(admin).toEqual([
      { state: 'drain', from: T, to: T + 30 * MIN },
      { state: 'drain', from: T + 30 * MIN, to: T + 60 * MIN, cause: 'reconcile' },
    ]);
  });

  it('says nothing for a row the history never changes, nor before a server was first seen; clips to the range', () => {
    const { admin, operational } = timelineOf(
      [change(-5, { operational_from: null, operational_to: 'up' })],
      T,
      T + 10 * MIN
    );
    expect(admin).toEqual([]);
    expect(operational).toEqual([{ state: 'up', from: T, to: T + 10 * MIN, cause: 'sync' }]);
    const firstSeen = timelineOf([change(5, { admin_from: null, admin_to: 'ready' })], T, T + 10 * MIN);
    expect(firstSeen.admin).toEqual([{ state: 'ready', from: T + 5 * MIN, to: T + 10 * MIN, cause: 'sync' }]);
  });
});
