import React from 'react';
import { screen, waitFor, within } from '@testing-library/react';
import { db } from '../../test/handlers';
import { renderPage, setUserRole } from '../../test/render';
import TokensPage from './Tokens';

const row = (name: string) => screen.getByRole('cell', { name: new RegExp(`^${name}`) }).closest('tr')!;
const tokenRequests = () => db.requests.filter((r) => r.path.includes('/api/tokens'));

describe('API tokens page', () => {
  afterEach(() => setUserRole('Admin'));

  it('lists the tokens with their role, kind and state, and marks the ones this app sends', async () => {
    setUserRole('Admin');
    renderPage(<TokensPage />, { route: '/tokens' });
    await screen.findByText('deploy-bot');
    expect(within(row('grafana-viewer')).getByText("this app's Viewer token")).toBeInTheDocument();
    expect(within(row('grafana-operator')).getByText("this app's Editor token")).toBeInTheDocument();
    expect(within(row('grafana-admin')).getByText("this app's Admin token")).toBeInTheDocument();
    expect(row('deploy-bot')).toHaveTextContent('operator');
    expect(row('deploy-bot')).toHaveTextContent('API');
    expect(row('deploy-bot')).toHaveTextContent('never');
    expect(row('deploy-bot')).toHaveTextContent('by grafana:alice');
    expect(row('deploy-bot')).toHaveTextContent('active');
    expect(row('old-bot')).toHaveTextContent('expired');
    expect(within(row('deploy-bot')).queryByText(/this app's/)).toBeNull();
    // Read with the admin token, through the Admin-only proxy route.
    expect(tokenRequests()[0]).toMatchObject({
      method: 'GET',
      path: '/api/plugin-proxy/appcontrol-haproxy-app/admin/api/tokens',
    });
  });

  it('creates a token and shows it once; a taken name is refused in the form, which keeps what was typed', async () => {
    setUserRole('Admin');
    const { user } = renderPage(<TokensPage />, { route: '/tokens' });
    await screen.findByText('deploy-bot');

    await user.click(screen.getByRole('button', { name: 'Create token' }));
    const form = screen.getByRole('form', { name: 'API token' });
    await user.type(within(form).getByLabelText(/^Name/), 'deploy-bot');
    await user.click(within(form).getByRole('radio', { name: 'Operator' }));
    await user.click(within(form).getByRole('button', { name: 'Create token' }));
    expect(await within(form).findByText(/already exists/)).toBeInTheDocument();
    expect(within(form).getByLabelText(/^Name/)).toHaveValue('deploy-bot');

    await user.clear(within(form).getByLabelText(/^Name/));
    await user.type(within(form).getByLabelText(/^Name/), 'ci-runner');
    await user.click(within(form).getByLabelText(/^For a Grafana plugin proxy/));
    await user.click(within(form).getByRole('radio', { name: '90 days' }));
    await user.click(within(form).getByRole('button', { name: 'Create token' }));
    expect(await screen.findByLabelText('New token')).toHaveValue('hpx_secret-of-ci-runner');
    expect(screen.getByRole('dialog')).toHaveTextContent(/Role operator, expires \d{4}-\d{2}-\d{2}/);
    expect(screen.getByText('Copy the token now')).toBeInTheDocument();
    expect(
      tokenRequests()
        .filter((r) => r.method === 'POST')
        .at(-1)
    ).toMatchObject({
      path: '/api/plugin-proxy/appcontrol-haproxy-app/admin/api/tokens',
      body: { name: 'ci-runner', role: 'operator', grafana: true, expires_at: expect.any(String) },
    });
    const sent = tokenRequests()
      .filter((r) => r.method === 'POST')
      .at(-1)!.body as { expires_at: string };
    const days = (Date.parse(sent.expires_at) - Date.now()) / (24 * 3600e3);
    expect(days).toBeGreaterThan(89.9);
    expect(days).toBeLessThanOrEqual(90);
    await user.click(screen.getByRole('button', { name: 'Done' }));
    expect(await screen.findByText('ci-runner')).toBeInTheDocument();
    expect(screen.queryByDisplayValue('hpx_secret-of-ci-runner')).toBeNull();
  });

  it('revokes after a confirmation, which warns when this app sends the token', async () => {
    setUserRole('Admin');
    const { user } = renderPage(<TokensPage />, { route: '/tokens' });
    await screen.findByText('deploy-bot');

    await user.click(screen.getByRole('button', { name: 'Revoke grafana-viewer' }));
    expect(await screen.findByText('This app uses this token')).toBeInTheDocument();
    expect(screen.getByRole('dialog')).toHaveTextContent('Grafana sends it for Viewer requests');
    await user.click(screen.getByRole('button', { name: 'Cancel' }));

    await user.click(screen.getByRole('button', { name: 'Revoke deploy-bot' }));
    expect(screen.queryByText('This app uses this token')).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Revoke' }));
    await waitFor(() => expect(row('deploy-bot')).toHaveTextContent('revoked'));
    expect(within(row('deploy-bot')).queryByRole('button', { name: /Revoke/ })).toBeNull();
    expect(tokenRequests().filter((r) => r.method === 'POST')).toEqual([
      expect.objectContaining({ path: '/api/plugin-proxy/appcontrol-haproxy-app/admin/api/tokens/4/revoke' }),
    ]);
  });

  it.each(['Viewer', 'Editor'] as const)('the %s role is told it is for Admins, and nothing is asked', async (role) => {
    setUserRole(role);
    renderPage(<TokensPage />, { route: '/tokens' });
    expect(await screen.findByText('Admins only')).toBeInTheDocument();
    expect(tokenRequests()).toEqual([]);
  });
});
