import React from 'react';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http } from 'msw';
import type { Instance, InstanceInput } from '../../api/types';
import { api } from '../../data/client';
import { makeInstance } from '../../test/fixtures';
import { apiError, backendUrl, db } from '../../test/handlers';
import { setUserRole } from '../../test/render';
import { server } from '../../test/server';
import { InstanceForm } from './InstanceForm';
import { instanceRequest } from './InstanceForm.utils';

const previews = () => db.requests.filter((r) => r.path.endsWith('/scope-preview'));

/** The form on the fleet's first instance, or a new one (`null`). */
function renderForm(existing: Instance | null = db.fleet.instances[0]) {
  const instance = existing ?? undefined;
  const user = userEvent.setup({ delay: null });
  const saved: Array<Partial<InstanceInput>> = [];
  const onDismiss = jest.fn();
  render(
    <InstanceForm
      hostId={1}
      hostName="host-a"
      instance={instance}
      onSave={async (request) => {
        saved.push(request);
        return instance ? api.updateInstance(instance.id, request) : api.createInstance(request as InstanceInput);
      }}
      onDismiss={onDismiss}
    />
  );
  return { user, saved, onDismiss };
}

describe('InstanceForm', () => {
  beforeEach(() => setUserRole('Admin'));

  it('previews a narrower scope live, says what would leave the page, and saves it', async () => {
    const { user, saved, onDismiss } = renderForm();
    const preview = await screen.findByRole('region', { name: 'Scope preview' });
    // The current scope (every backend) first.
    await within(preview).findByText('2 backends in scope, 0 out of scope');

    await user.click(screen.getByRole('radio', { name: 'Only matching' }));
    await user.type(screen.getByLabelText(/Backend names or patterns/), 'be_web');
    await within(preview).findByText('1 backend in scope, 1 out of scope');
    expect(within(preview).getByText('Saving moves 1 backend to Recently removed')).toBeInTheDocument();
    expect(within(preview).getByText(/be_api: no sync would refresh them/)).toBeInTheDocument();
    // Typing is previewed once it pauses, not once per keystroke.
    expect(previews().length).toBeLessThanOrEqual(3);
    expect(previews().at(-1)).toMatchObject({
      path: '/api/plugin-proxy/appcontrol-haproxy-app/admin/api/haproxy/instances/1/scope-preview',
      body: { scope: ['be_web'] },
    });

    await user.click(screen.getByRole('button', { name: 'Save instance' }));
    await waitFor(() => expect(onDismiss).toHaveBeenCalled());
    expect(saved).toEqual([{ backend_scope: ['be_web'] }]);
  });

  it("shows the backend's refusal of a scope under it, in the preview and on save, and keeps the text", async () => {
    server.use(
      http.post(backendUrl('/haproxy/instances/1/scope-preview'), () =>
        apiError(400, 'bad_request', 'scope.0: is not a glob PostgreSQL can match (an empty range or class)')
      ),
      http.patch(backendUrl('/haproxy/instances/1'), () =>
        apiError(400, 'bad_request', 'backend_scope.0: is not a glob PostgreSQL can match (an empty range or class)')
      )
    );
    const { user, onDismiss } = renderForm();
    await user.click(screen.getByRole('radio', { name: 'Only matching' }));
    const scope = screen.getByLabelText(/Backend names or patterns/);
    await user.type(scope, 'web_{{..}'); // user-event: `{{` types one `{`
    const preview = screen.getByRole('region', { name: 'Scope preview' });
    expect(await within(preview).findByText(/is not a glob PostgreSQL can match/)).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Save instance' }));
    expect(
      await screen.findByText('item 1: is not a glob PostgreSQL can match (an empty range or class)')
    ).toBeInTheDocument();
    expect(onDismiss).not.toHaveBeenCalled();
    expect(scope).toHaveValue('web_{..}');
  });

  it('shows a refusal whose message holds "; " whole under the scope, not half of it above the buttons', async () => {
    server.use(
      http.patch(backendUrl('/haproxy/instances/1'), () =>
        apiError(
          400,
          'bad_request',
          'backend_scope: must list at least one backend name or pattern; use null for all backends'
        )
      )
    );
    const { user, onDismiss } = renderForm();
    await user.click(screen.getByRole('radio', { name: 'Only matching' }));
    await user.click(screen.getByRole('button', { name: 'Save instance' }));
    expect(
      await screen.findByText('must list at least one backend name or pattern; use null for all backends')
    ).toBeInTheDocument();
    expect(screen.queryByText('Not saved')).not.toBeInTheDocument();
    expect(onDismiss).not.toHaveBeenCalled();
  });

  it('registers an instance on its host; the preview waits until it is saved', async () => {
    const { user, saved, onDismiss } = renderForm(null);
    expect(screen.getByText(/works once the instance is saved/)).toBeInTheDocument();
    await user.type(screen.getByLabelText(/^Name/), 'main');
    await user.click(screen.getByRole('button', { name: 'Add instance' }));
    await waitFor(() => expect(onDismiss).toHaveBeenCalled());
    expect(saved).toEqual([{ host_id: 1, name: 'main', socket_path: null, is_active: true, backend_scope: null }]);
    expect(previews()).toHaveLength(0);
    expect(db.requests.find((r) => r.method === 'POST')?.path).toBe(
      '/api/plugin-proxy/appcontrol-haproxy-app/admin/api/haproxy/instances'
    );
  });

  it('sends only what changed', () => {
    const instance = makeInstance({ id: 5, name: 'edge', host_id: 1, backend_scope: ['web_*'] });
    const values = {
      name: 'edge',
      socketPath: '/run/haproxy/admin.sock',
      isActive: true,
      scope: { mode: 'some' as const, text: 'web_*\n' },
    };
    expect(instanceRequest(1, instance, values)).toEqual({});
    expect(instanceRequest(1, instance, { ...values, scope: { mode: 'all', text: 'web_*' } })).toEqual({
      backend_scope: null,
    });
    expect(instanceRequest(1, instance, { ...values, socketPath: '', isActive: false })).toEqual({
      socket_path: null,
      is_active: false,
    });
  });
});
