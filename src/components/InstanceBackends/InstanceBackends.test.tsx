import React from 'react';
import { screen, waitFor, within } from '@testing-library/react';
import { db } from '../../test/handlers';
import { renderPage, setUserRole } from '../../test/render';
import { InstanceBackends } from './InstanceBackends';

describe('InstanceBackends', () => {
  it("shows each backend's budget; an Admin sets a minimum, one above its servers refused in words", async () => {
    setUserRole('Admin');
    const { user } = renderPage(<InstanceBackends instanceId={1} />);
    const web = (await screen.findAllByRole('row')).find((r) => within(r).queryByText('be_web'))!;
    expect(within(web).getByRole('group', { name: 'Budget of backend be_web' })).toHaveTextContent(
      'ok 1 available, minimum 1 (default)'
    );
    await user.click(within(web).getByRole('button', { name: /expand/i }));
    const input = await screen.findByLabelText(/^Minimum available of backend be_web/);
    await user.clear(input);
    await user.type(input, '4');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect(
      await screen.findByText('min_available 4 is more than the 3 servers of backend be_web that can serve at once')
    ).toBeInTheDocument();
    await user.clear(input);
    await user.type(input, '2');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() =>
      expect(screen.getByLabelText('Budget of backend be_web')).toHaveTextContent(
        'below minimum 1 available, minimum 2'
      )
    );
    expect(db.fleet.minimums.backends[11]).toBe(2);
  });

  it('viewers see the budgets and cannot change them', async () => {
    setUserRole('Viewer');
    renderPage(<InstanceBackends instanceId={1} />);
    expect(await screen.findByLabelText('Budget of backend be_api')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: /expand/i })).not.toBeInTheDocument();
  });
});
