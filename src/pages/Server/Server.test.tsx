import React from 'react';
import { screen, waitFor, within } from '@testing-library/react';
import type { StatusChange } from '../../api/types';
import { http } from 'msw';
import { apiError, backendUrl, db } from '../../test/handlers';
import { server } from '../../test/server';
import { renderPage, setUserRole } from '../../test/render';
import { findDialog } from '../../test/dialog';
import ServerPage from './Server';

const MIN = 60e3;
const ago = (min: number) => new Date(Date.now() - min * MIN).toISOString();

/** web1 (id 1): drained by a command 50 minutes ago, its checks failing 30 minutes ago, ready again 10 minutes ago. */
function web1History(): StatusChange[] {
  const base = { server_id: 1, raw_status: '', note: null, from_status: null, to_status: 'UP' as const };
  return [
    {
      ...base,
      id: 3,
      admin_from: 'drain',
      admin_to: 'ready',
      operational_from: null,
      operational_to: null,
      cause: 'command',
      changed_at: ago(10),
    },
    {
      ...base,
      id: 2,
      admin_from: null,
      admin_to: null,
      operational_from: 'up',
      operational_to: 'down',
      cause: 'sync',
      changed_at: ago(30),
    },
    {
      ...base,
      id: 1,
      admin_from: 'ready',
      admin_to: 'drain',
      operational_from: null,
      operational_to: null,
      cause: 'command',
      changed_at: ago(50),
    },
  ];
}

const renderServer = () => renderPage(<ServerPage />, { route: '/servers/1', path: '/servers/:id' });

describe('Server page', () => {
  it('draws its admin and operational states apart over time, and lists its audit rows', async () => {
    db.fleet.history = web1History();
    const audited = {
      instance_id: 1,
      instance_name: 'haproxy-1',
      backend_name: 'be_web',
      actor: 'alice',
      source: 'ui' as const,
    };
    const row = {
      ...audited,
      operation_id: null,
      success: true,
      result: 'success' as const,
      error: null,
      note: null,
      duration_ms: 9,
      until: null,
    };
    db.fleet.actions = [
      {
        ...row,
        id: 1,
        server_id: 1,
        server_name: 'web1',
        command: 'drain',
        status_before: 'UP',
        status_after: 'DRAIN',
        started_at: ago(50),
        reason: 'deploy',
      },
      {
        ...row,
        id: 2,
        server_id: 2,
        server_name: 'web2',
        command: 'maint',
        status_before: 'UP',
        status_after: 'MAINT',
        started_at: ago(40),
        reason: null,
      },
    ];
    setUserRole('Viewer');
    renderServer();
    const admin = await screen.findByRole('list', { name: 'Admin state over time' });
    expect(
      within(admin)
        .getAllByRole('listitem')
        .map((li) => li.getAttribute('data-state'))
    ).toEqual(['ready', 'drain', 'ready']);
    expect(within(admin).getAllByRole('listitem')[1]).toHaveAccessibleName(/^drain from .* \(command\)$/);
    const operational = screen.getByRole('list', { name: 'Operational state over time' });
    expect(
      within(operational)
        .getAllByRole('listitem')
        .map((li) => li.getAttribute('data-state'))
    ).toEqual(['up', 'down']);
    const audit = screen.getByRole('region', { name: 'Audit' });
    // its own rows only: web1's drain, not web2's maint
    await waitFor(() => expect(within(audit).getAllByRole('row')).toHaveLength(2));
    expect(audit).toHaveTextContent('deploy');
    expect(audit).not.toHaveTextContent('web2');
    expect(db.requests.some((r) => r.path.includes('/api/haproxy/actions?server_id=1'))).toBe(true);
    expect(screen.queryByRole('button', { name: 'Drain' })).not.toBeInTheDocument();
  });

  it('says which server it tracks, and that it is a backup one', async () => {
    Object.assign(db.fleet.servers[0], { tracks: 'be_web/web9', backup: true });
    renderServer();
    const state = await screen.findByRole('region', { name: 'Server state' });
    expect(state).toHaveTextContent('tracks be_web/web9: it goes out whenever that server does');
    expect(state).toHaveTextContent('backup: it takes traffic only when no active server of its backend can');
  });

  it('names its drift for a screen reader, an unknown HAProxy state as unknown (not "null")', async () => {
    Object.assign(db.fleet.servers[0], {
      drift: {
        since: ago(5),
        desired: 'maint',
        actual: null,
        cause: 'unknown',
        policy: 'alert',
        attempts: 0,
        last_error: null,
      },
    });
    renderServer();
    const state = await screen.findByRole('region', { name: 'Server state' });
    expect(within(state).getByRole('img', { name: 'drift: desired maint, HAProxy unknown' })).toBeInTheDocument();
    expect(state).toHaveTextContent('drifting: desired maint, HAProxy unknown');
    expect(state).not.toHaveTextContent('null');
  });

  it('a history that failed to load says so with Retry, which loads it again', async () => {
    let failing = true;
    server.use(
      http.get(backendUrl('/haproxy/servers/:id/history'), () =>
        failing ? apiError(500, 'internal', 'internal error') : undefined
      )
    );
    const { user } = renderServer();
    const alert = (await screen.findByText('The history could not be loaded')).closest('[role="alert"]') as HTMLElement;
    failing = false;
    await user.click(within(alert).getByRole('button', { name: 'Retry' }));
    await waitFor(() => expect(screen.queryByText('The history could not be loaded')).not.toBeInTheDocument());
  });

  it('a wider range asks for more history', async () => {
    const { user } = renderServer();
    await screen.findByRole('list', { name: 'Admin state over time' });
    await user.click(screen.getByRole('radio', { name: 'Last 7d' }));
    await waitFor(() => expect(db.requests.filter((r) => r.path.includes('/servers/1/history'))).toHaveLength(2));
    const since = new URL(
      `http://x${db.requests.filter((r) => r.path.includes('/history')).at(-1)!.path}`
    ).searchParams.get('since')!;
    expect(Date.now() - Date.parse(since)).toBeGreaterThan(6.9 * 24 * 3600e3);
  });

  it('drain from its page shows the dry run and the budget refusal; forced with a reason it is sent', async () => {
    const { user } = renderServer();
    await user.click(await screen.findByRole('button', { name: 'Drain' }));
    const dialog = await findDialog();
    expect(await within(dialog).findByRole('region', { name: 'Dry run' })).toHaveTextContent('1 refused');
    await user.click(within(dialog).getByRole('checkbox', { name: 'Force past the disruption budget' }));
    await user.type(within(dialog).getByLabelText(/^Reason/), 'INC-1');
    await user.click(within(dialog).getByRole('button', { name: 'Drain' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(db.fleet.servers[0].admin_state).toBe('drain');
    expect(db.fleet.actions.at(-1)).toMatchObject({ forced: true, reason: 'INC-1', server_id: 1 });
  });

  it('set weight: the modal shows the weights, refuses bad input before sending, and shows the new weight', async () => {
    Object.assign(db.fleet.servers[0], { weight: 20, initial_weight: 80 });
    const { user } = renderServer();
    await user.click(await screen.findByRole('button', { name: 'Set weight' }));
    const dialog = await findDialog({ name: 'Set the weight of server web1?' });
    expect(screen.getByRole('region', { name: 'Server state' })).toHaveTextContent('Weight 20 (configured 80)');
    expect(dialog).toHaveTextContent("Its weight is 20; 80 in HAProxy's configuration.");
    const field = within(dialog).getByLabelText(/^New weight/);
    for (const [typed, problem] of [
      ['', 'Enter a weight'],
      ['300', 'A weight is at most 256 (300 now)'],
      ['120%', 'A percentage of the configured weight is at most 100% (120% now)'],
    ]) {
      await user.clear(field);
      if (typed) {
        await user.type(field, typed);
      }
      await user.click(within(dialog).getByRole('button', { name: 'Set weight' }));
      expect(within(dialog).getByText(problem, { exact: false })).toBeInTheDocument();
    }
    const commands = () => db.requests.filter((r) => r.path.endsWith('/servers/1/command'));
    expect(commands()).toHaveLength(0);
    // Above 0 nothing is taken out: no dry run is asked.
    await user.clear(field);
    await user.type(field, '50%');
    await user.click(within(dialog).getByRole('button', { name: 'Set weight' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(commands().map((r) => r.body)).toEqual([{ command: 'weight', weight: '50%' }]);
    expect(db.requests.some((r) => (r.body as { dry_run?: boolean })?.dry_run)).toBe(false);
    // The backend's answer (50% of the configured 80) is what the page shows now.
    expect(screen.getByRole('region', { name: 'Server state' })).toHaveTextContent('Weight 40 (configured 80)');
  });

  it('a weight of 0 shows the dry run; refused by the budget, it is sent again forced with a reason', async () => {
    const { user } = renderServer();
    await user.click(await screen.findByRole('button', { name: 'Set weight' }));
    const dialog = await findDialog({ name: 'Set the weight of server web1?' });
    await user.type(within(dialog).getByLabelText(/^New weight/), '0');
    expect(await within(dialog).findByRole('region', { name: 'Dry run' })).toHaveTextContent(
      '0 servers would be taken out, 1 refused'
    );
    expect(db.requests.find((r) => (r.body as { dry_run?: boolean })?.dry_run)?.body).toEqual({
      command: 'weight',
      server_ids: [1],
      weight: 0,
      dry_run: true,
    });
    await user.click(within(dialog).getByRole('button', { name: 'Set weight' }));
    expect(
      await within(dialog).findByRole('alert', {
        name: 'Refused by the disruption budget of backend be_web on haproxy-1',
      })
    ).toHaveTextContent('taking out web1 would leave fewer than 1 in service');
    expect(db.fleet.servers[0].weight).toBe(100);

    await user.click(within(dialog).getByRole('checkbox', { name: 'Force past the disruption budget' }));
    await user.type(within(dialog).getByLabelText(/^Reason/), 'INC-3 bad host');
    await user.click(within(dialog).getByRole('button', { name: 'Set weight' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(db.fleet.actions.at(-1)).toMatchObject({ command: 'weight', forced: true, reason: 'INC-3 bad host' });
    expect(screen.getByRole('region', { name: 'Server state' })).toHaveTextContent('Weight 0 (configured 100)');
  });

  it('shut down sessions names the sessions it cuts now, shows the dry run, and sends its command', async () => {
    db.fleet.minimums.backends[11] = 0;
    Object.assign(db.fleet.servers[0], { current_sessions: 7 });
    const { user } = renderServer();
    await user.click(await screen.findByRole('button', { name: 'Shut down sessions' }));
    const dialog = await findDialog({ name: 'Shut down the sessions of server web1?' });
    expect(within(dialog).getByRole('alert', { name: 'The 7 sessions open on this server are cut now' })).toBeVisible();
    expect(await within(dialog).findByRole('region', { name: 'Dry run' })).toHaveTextContent(
      '1 server would be taken out'
    );
    expect(within(dialog).queryByText('Maintenance window')).not.toBeInTheDocument();
    await user.click(within(dialog).getByRole('button', { name: 'Shut down sessions' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(db.requests.filter((r) => r.path.endsWith('/servers/1/command')).map((r) => r.body)).toEqual([
      { command: 'shutdown-sessions' },
    ]);
    expect(screen.getByRole('region', { name: 'Server state' })).toHaveTextContent('sessions 0');
  });

  it('offers the commands its row offers: none to the state it already has', async () => {
    const { user } = renderServer();
    const state = await screen.findByRole('region', { name: 'Server state' });
    // web1 is ready: Ready would change nothing
    expect(within(state).queryByRole('button', { name: 'Ready' })).not.toBeInTheDocument();
    expect(within(state).getByRole('button', { name: 'Drain' })).toBeVisible();
    // once drained by the dialog, Drain goes and Ready comes
    db.fleet.minimums.backends[11] = 0;
    await user.click(within(state).getByRole('button', { name: 'Drain' }));
    await user.click(within(await findDialog()).getByRole('button', { name: 'Drain' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(within(state).queryByRole('button', { name: 'Drain' })).not.toBeInTheDocument();
    expect(within(state).getByRole('button', { name: 'Ready' })).toBeVisible();
    expect(within(state).getByRole('button', { name: 'Maint' })).toBeVisible();
  });

  it('the timeline shows the change a command from its page just made', async () => {
    db.fleet.minimums.backends[11] = 0;
    // The backend records the command's change when it answers.
    server.use(
      http.post(backendUrl('/haproxy/servers/:id/command'), () => {
        db.fleet.history.push({
          id: 9,
          server_id: 1,
          raw_status: 'DRAIN',
          note: null,
          from_status: 'UP',
          to_status: 'DRAIN',
          admin_from: 'ready',
          admin_to: 'drain',
          operational_from: null,
          operational_to: null,
          cause: 'command',
          changed_at: new Date().toISOString(),
        });
        return undefined;
      })
    );
    db.fleet.history = web1History();
    const { user } = renderServer();
    const admin = await screen.findByRole('list', { name: 'Admin state over time' });
    expect(within(admin).getAllByRole('listitem')).toHaveLength(3);
    // a moment later than the page's range was picked, as a user's click always is
    await new Promise((resolve) => setTimeout(resolve, 20));
    await user.click(screen.getByRole('button', { name: 'Drain' }));
    await user.click(within(await findDialog()).getByRole('button', { name: 'Drain' }));
    await waitFor(() =>
      expect(
        within(screen.getByRole('list', { name: 'Admin state over time' }))
          .getAllByRole('listitem')
          .map((li) => li.getAttribute('data-state'))
      ).toEqual(['ready', 'drain', 'ready', 'drain'])
    );
  });

  it('a dry run gone stale while the dialog was open is read again when the budget refuses', async () => {
    db.fleet.minimums.backends[11] = 0;
    const { user } = renderServer();
    await user.click(await screen.findByRole('button', { name: 'Drain' }));
    const dialog = await findDialog();
    const preview = await within(dialog).findByRole('region', { name: 'Dry run' });
    expect(preview).toHaveTextContent('1 server would be taken out.');
    // meanwhile an admin sets a budget
    db.fleet.minimums.backends[11] = 1;
    await user.click(within(dialog).getByRole('button', { name: 'Drain' }));
    expect(
      await within(dialog).findByRole('alert', {
        name: 'Refused by the disruption budget of backend be_web on haproxy-1',
      })
    ).toBeVisible();
    await waitFor(() =>
      expect(within(dialog).getByRole('region', { name: 'Dry run' })).toHaveTextContent(
        '0 servers would be taken out, 1 refused'
      )
    );
    expect(db.fleet.servers[0].admin_state).toBe('ready');
  });

  it('a Viewer is offered no weight nor shutdown', async () => {
    setUserRole('Viewer');
    renderServer();
    await screen.findByRole('region', { name: 'Server state' });
    expect(screen.queryByRole('button', { name: 'Set weight' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Shut down sessions' })).not.toBeInTheDocument();
  });
});
