import React from 'react';
import { screen, waitFor, within } from '@testing-library/react';
import { toasts } from '../../test/appEvents';
import { db } from '../../test/handlers';
import { renderPage, setUserRole } from '../../test/render';
import { findDialog } from '../../test/dialog';
import RemovedPage from './Removed';

const section = (name: string) => screen.findByRole('region', { name });
const rowOf = async (region: string, name: string) =>
  within(await section(region))
    .getByText(name)
    .closest('tr')!;

describe('Recently removed page', () => {
  it('says when and why each backend and server went, with the last command from the audit log', async () => {
    renderPage(<RemovedPage />, { route: '/removed' });
    const old = await rowOf('Removed backends', 'be_old');
    expect(old).toHaveTextContent("no longer in the agent's backend list at a sync");
    expect(await rowOf('Removed backends', 'be_stats')).toHaveTextContent("outside the instance's polling scope");
    const web9 = await rowOf('Removed servers', 'web9');
    expect(web9).toHaveTextContent('last command: drain by grafana:alice');
    expect(web9).toHaveTextContent('DRAIN');
    // Servers that went with their backend are under it, unless asked for.
    expect(within(await section('Removed servers')).queryByText('old1')).not.toBeInTheDocument();
    expect(db.requests[0].path).toBe('/api/plugin-proxy/appcontrol-haproxy-app/api/haproxy/removed?days=7');
  });

  it('the period and the servers that went with their backend are kept in the URL', async () => {
    const { user } = renderPage(<RemovedPage />, { route: '/removed' });
    await section('Removed servers');
    await user.click(screen.getByRole('radio', { name: 'Last 30 days' }));
    await user.click(screen.getByLabelText('Servers removed with their backend'));
    expect(await rowOf('Removed servers', 'old1')).toHaveTextContent('went with its backend be_old');
    expect(screen.getByTestId('location')).toHaveTextContent('/removed?days=30&with=backend');
    await waitFor(() => expect(db.requests.at(-1)?.path).toContain('days=30'));
  });

  it('Viewers and Editors only read', async () => {
    setUserRole('Editor');
    renderPage(<RemovedPage />, { route: '/removed' });
    await section('Removed backends');
    expect(screen.queryByRole('button', { name: /Restore|Forget/ })).not.toBeInTheDocument();
  });

  it('an Admin restores after being told the next sync removes it again if HAProxy still lacks it', async () => {
    setUserRole('Admin');
    const { user } = renderPage(<RemovedPage />, { route: '/removed' });
    const stats = await rowOf('Removed backends', 'be_stats');
    expect(within(stats).getByRole('button', { name: 'Restore backend be_stats on haproxy-1' })).toBeDisabled();

    await user.click(screen.getByRole('button', { name: 'Restore backend be_old on haproxy-1' }));
    const dialog = await findDialog();
    expect(dialog).toHaveTextContent('if HAProxy still lacks it, the next sync removes it again');
    await user.click(within(dialog).getByRole('button', { name: 'Restore' }));
    await waitFor(() =>
      expect(
        within(screen.getByRole('region', { name: 'Removed backends' })).queryByText('be_old')
      ).not.toBeInTheDocument()
    );
    expect(toasts.at(-1)?.payload).toEqual([
      'Backend be_old restored on haproxy-1',
      'With 1 server. The next sync removes it again if HAProxy still lacks it.',
    ]);
    expect(db.requests.find((r) => r.method === 'POST')?.path).toBe(
      '/api/plugin-proxy/appcontrol-haproxy-app/admin/api/haproxy/backends/31/restore'
    );
  });

  it('an Admin forgets a server: it leaves the list for good', async () => {
    setUserRole('Admin');
    const { user } = renderPage(<RemovedPage />, { route: '/removed' });
    await user.click(await screen.findByRole('button', { name: 'Forget server web9 in be_web' }));
    const dialog = await findDialog();
    expect(dialog).toHaveTextContent('Its status history and the audit log stay');
    await user.click(within(dialog).getByRole('button', { name: 'Forget' }));
    await waitFor(() => expect(screen.queryByRole('region', { name: 'Removed servers' })).not.toBeInTheDocument());
    expect(db.requests.find((r) => r.method === 'POST')?.path).toBe(
      '/api/plugin-proxy/appcontrol-haproxy-app/admin/api/haproxy/servers/41/forget'
    );
  });
});
