import React from 'react';
import { screen, waitFor, within } from '@testing-library/react';
import { AppEvents } from '@grafana/data';
import { toasts } from '../../test/appEvents';
import { guard, makeOperation } from '../../test/guardFixtures';
import { http } from 'msw';
import { backendUrl, db } from '../../test/handlers';
import { server } from '../../test/server';
import { renderPage, setUserRole } from '../../test/render';
import { findDialog } from '../../test/dialog';
import { OPERATIONS_REFRESH_MS } from '../../data/useOperations';
import OperationsPage, { OperationPage } from './Operations';

/** A rolling drain of be_api (api1 waiting for its sessions, api2 waiting its turn) started by alice. */
function runningDrain() {
  const targets = db.fleet.servers.filter((s) => s.backend_name === 'be_api');
  const op = makeOperation(
    'op-1',
    { action: 'drain', backend_id: 12, max_parallel: 1, reason: 'kernel update', deadline_s: 600 },
    targets.map((server) => ({ server, would: 'take_out' as const })),
    'alice'
  );
  op.servers[0].state = 'waiting';
  op.servers[0].sessions = 3;
  op.progress = { ...op.progress, pending: 1, active: 1 };
  db.fleet.operations.push(op);
  return op;
}

describe('Operations page', () => {
  it('shows a running job: who started it and why, its progress and each server with its sessions left', async () => {
    runningDrain();
    const finished = makeOperation(
      'op-0',
      { action: 'drain', server_ids: [1] },
      guard(db.fleet.servers, [db.fleet.servers[0]], 'drain', db.fleet.minimums),
      'bob'
    );
    Object.assign(finished, { state: 'failed', error: 'refused by the budget' });
    db.fleet.operations.unshift(finished);
    setUserRole('Viewer');
    renderPage(<OperationsPage />, { route: '/operations' });

    const job = await screen.findByRole('region', { name: 'Job Rolling drain of 2 servers running' });
    expect(job).toHaveTextContent('started by alice');
    expect(job).toHaveTextContent('Reason: kernel update');
    expect(job).toHaveTextContent('1 at a time');
    expect(job).toHaveTextContent('0 of 2 finished: 0 done, 1 in progress, 1 waiting');
    expect(within(job).getByRole('progressbar')).toHaveAttribute('aria-valuenow', '0');
    const rows = within(within(job).getByRole('table')).getAllByRole('row');
    expect(rows[1]).toHaveTextContent('api1be_api on haproxy-1waiting for sessions to end3');
    expect(rows[2]).toHaveTextContent('api2be_api on haproxy-1waiting its turn');
    // the one web1 job the budget refused is listed after it (newest first)
    const failed = screen.getByRole('region', { name: 'Job Rolling drain of 1 server failed' });
    expect(failed).toHaveTextContent('refused by a budget');
    expect(failed).toHaveTextContent('1 of 1 finished: 0 done, 0 in progress, 0 waiting, 1 refused by a budget');
    // viewers do not cancel
    expect(screen.queryByRole('button', { name: 'Cancel job' })).not.toBeInTheDocument();
  });

  it('an Editor cancels after a confirmation saying that what is out stays out', async () => {
    runningDrain();
    const { user } = renderPage(<OperationsPage />, { route: '/operations' });
    const job = await screen.findByRole('region', { name: /running$/ });
    await user.click(within(job).getByRole('button', { name: 'Cancel job' }));
    const dialog = await findDialog();
    expect(dialog).toHaveTextContent('What is already out stays out (1 of 2)');
    await user.click(within(dialog).getByRole('button', { name: 'Cancel job' }));

    await waitFor(() =>
      expect(db.requests.at(-2)).toMatchObject({
        method: 'POST',
        path: '/api/plugin-proxy/appcontrol-haproxy-app/editor/api/haproxy/operations/op-1/cancel',
      })
    );
    expect(await screen.findByRole('region', { name: /cancelled$/ })).toHaveTextContent(
      'cancelled: servers already out stay out'
    );
    expect(toasts).toContainEqual({
      type: AppEvents.alertSuccess.name,
      payload: ['drain job cancelled', 'Servers it already took out stay out.'],
    });
  });

  it('filters by state, kept in the URL', async () => {
    runningDrain();
    const { user } = renderPage(<OperationsPage />, { route: '/operations' });
    await screen.findByRole('region', { name: /running$/ });
    await user.click(screen.getByRole('radio', { name: 'Succeeded' }));
    expect(await screen.findByText('No job yet')).toBeInTheDocument();
    expect(screen.getByTestId('location')).toHaveTextContent('/operations?state=succeeded');
    expect(db.requests.at(-1)?.path).toContain('/api/haproxy/operations?state=succeeded');
  });

  it("a job's page says when its progress is late: a refresh held longer than the interval", async () => {
    const op = runningDrain();
    let answered = 0;
    server.use(
      http.get(backendUrl('/haproxy/operations/:id'), async () => {
        // The first answer at once, the refresh after it held past the 5 s interval.
        if (answered++ > 0) {
          await new Promise((resolve) => setTimeout(resolve, 8000));
        }
        return undefined;
      })
    );
    renderPage(<OperationPage />, { route: `/operations/${op.id}`, path: '/operations/:id' });
    await screen.findByRole('region', { name: 'Job Rolling drain of 2 servers running' });
    const freshness = screen.getByRole('status', { name: 'Data freshness' });
    expect(freshness).toHaveTextContent(/^Last updated \d\d:\d\d:\d\d$/);
    await waitFor(() => expect(freshness).toHaveTextContent('refresh is taking longer than the 5 s interval'), {
      timeout: 12_000,
    });
  }, 20_000);

  it("a job's page stops polling a finished job, and one gone (404)", async () => {
    const op = runningDrain();
    op.state = 'succeeded';
    const jobReads = (id: string) =>
      db.requests.filter((r) => r.method === 'GET' && r.path.endsWith(`/haproxy/operations/${id}`)).length;
    renderPage(<OperationPage />, { route: `/operations/${op.id}`, path: '/operations/:id' });
    renderPage(<OperationPage />, { route: '/operations/op-gone', path: '/operations/:id' });
    await screen.findByRole('region', { name: /succeeded$/ });
    expect(await screen.findByText('The job could not be loaded')).toBeInTheDocument();
    await new Promise((resolve) => setTimeout(resolve, OPERATIONS_REFRESH_MS + 1000));
    expect([jobReads(op.id), jobReads('op-gone')]).toEqual([1, 1]);
  }, 15_000);
});
