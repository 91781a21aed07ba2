import React from 'react';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http } from 'msw';
import type { Host, HostInput } from '../../api/types';
import { api } from '../../data/client';
import { makeFleet } from '../../test/fixtures';
import { apiError, backendUrl, db } from '../../test/handlers';
import { setUserRole } from '../../test/render';
import { server } from '../../test/server';
import { HostForm } from './HostForm';
import { agentTestRequest, hostRequest, initialHostValues } from './HostForm.utils';

/** host-a: saved with an agent token. */
const HOST: Host = makeFleet().hosts[0];

function renderForm(host?: Host) {
  const user = userEvent.setup({ delay: null });
  const saved: Array<Partial<HostInput>> = [];
  const onDismiss = jest.fn();
  render(
    <HostForm
      host={host}
      onSave={async (input) => {
        saved.push(input);
        return host ? api.updateHost(host.id, input) : api.createHost(input as HostInput);
      }}
      onDismiss={onDismiss}
    />
  );
  const field = (label: RegExp) => screen.getByLabelText(label) as HTMLInputElement;
  return { user, saved, onDismiss, field };
}

describe('HostForm', () => {
  beforeEach(() => setUserRole('Admin'));

  it('registers a host with what was typed, through the admin route', async () => {
    const { user, field, onDismiss } = renderForm();
    const submit = screen.getByRole('button', { name: 'Register host' });
    await user.type(field(/^Name/), 'lb1.prod');
    await user.type(field(/^Address/), '10.0.0.10');
    await user.type(field(/^FAgent URL/), 'http://10.0.0.10:9102');
    await user.type(field(/^Agent token/), 'agent-secret');
    await user.click(submit);
    await waitFor(() => expect(onDismiss).toHaveBeenCalled());
    const post = db.requests.find((r) => r.method === 'POST' && r.path.endsWith('/hosts'));
    expect(post).toEqual({
      method: 'POST',
      path: '/api/plugin-proxy/appcontrol-haproxy-app/admin/api/hosts',
      body: {
        name: 'lb1.prod',
        address: '10.0.0.10',
        fagent_url: 'http://10.0.0.10:9102',
        is_active: true,
        fagent_token: 'agent-secret',
      },
    });
  });

  it("shows the backend's 400 under the fields it names and keeps everything typed", async () => {
    server.use(
      http.post(backendUrl('/hosts'), () =>
        apiError(400, 'bad_request', 'name: must not be empty; fagent_url: FAgent URL must use http or https, not ftp')
      )
    );
    const { user, field, onDismiss } = renderForm();
    await user.type(field(/^Address/), '10.0.0.10');
    await user.type(field(/^FAgent URL/), 'ftp://10.0.0.10');
    await user.type(field(/^Agent token/), 'agent-secret');
    await user.click(screen.getByRole('button', { name: 'Register host' }));
    expect(await screen.findByText('must not be empty')).toBeInTheDocument();
    expect(screen.getByText('FAgent URL must use http or https, not ftp')).toBeInTheDocument();
    expect(onDismiss).not.toHaveBeenCalled();
    expect(field(/^Address/).value).toBe('10.0.0.10');
    expect(field(/^FAgent URL/).value).toBe('ftp://10.0.0.10');
    expect(field(/^Agent token/).value).toBe('agent-secret');
  });

  it('puts a duplicate name under the name, and anything else above the buttons', async () => {
    server.use(
      http.post(backendUrl('/hosts'), () =>
        apiError(409, 'conflict', 'already exists: Key (name)=(host-a) already exists.')
      )
    );
    const { user, field } = renderForm();
    await user.type(field(/^Name/), 'host-a');
    await user.click(screen.getByRole('button', { name: 'Register host' }));
    expect(await screen.findByText('already exists')).toBeInTheDocument();
    expect(screen.queryByText('Not saved')).not.toBeInTheDocument();

    server.use(
      http.post(backendUrl('/hosts'), () => apiError(503, 'database_unavailable', 'the database does not answer'))
    );
    await user.click(screen.getByRole('button', { name: 'Register host' }));
    expect(await screen.findByText('the database does not answer')).toBeInTheDocument();
    expect(screen.getByText('Not saved')).toBeInTheDocument();
  });

  it('a changed URL leaves the saved token to the backend, which keeps it only for the same agent', async () => {
    const { user, field, saved } = renderForm(HOST);
    expect(screen.getByRole('button', { name: 'Save host' })).toBeDisabled();
    expect(field(/^Agent token/)).toHaveValue('configured');
    const url = field(/^FAgent URL/);
    await user.type(url, '/');
    expect(screen.getByText(/Kept if the new URL reaches the same agent/)).toBeInTheDocument();
    expect(field(/^Agent token/)).toHaveValue('configured');
    await user.click(screen.getByRole('button', { name: 'Save host' }));
    await waitFor(() => expect(saved).toHaveLength(1));
    expect(saved[0]).toEqual({ fagent_url: 'http://host-a:9000/' });
  });

  it("another agent's URL without its token: the backend's refusal shows under the URL, and Reset sends none", async () => {
    const { user, field, saved, onDismiss } = renderForm(HOST);
    const url = field(/^FAgent URL/);
    await user.clear(url);
    await user.type(url, 'http://host-a2:9000');
    server.use(
      http.patch(backendUrl('/hosts/:id'), async ({ request }) => {
        const body = (await request.json()) as Partial<HostInput>;
        return body.fagent_token === undefined
          ? apiError(400, 'bad_request', 'fagent_url: a new agent URL needs fagent_token in the same request')
          : Response.json({ ...HOST, fagent_url: body.fagent_url, has_fagent_token: !!body.fagent_token });
      })
    );
    await user.click(screen.getByRole('button', { name: 'Save host' }));
    expect(await screen.findByText('a new agent URL needs fagent_token in the same request')).toBeInTheDocument();
    expect(saved).toEqual([{ fagent_url: 'http://host-a2:9000' }]);
    expect(field(/^FAgent URL/)).toHaveValue('http://host-a2:9000');
    await user.click(screen.getByRole('button', { name: 'Reset' }));
    await user.click(screen.getByRole('button', { name: 'Save host' }));
    await waitFor(() => expect(onDismiss).toHaveBeenCalled());
    expect(saved[1]).toEqual({ fagent_url: 'http://host-a2:9000', fagent_token: null });
  });

  it('a space around the saved agent URL is the same agent: its token stays', async () => {
    const { user, field, saved } = renderForm(HOST);
    await user.type(field(/^FAgent URL/), ' ');
    expect(field(/^Agent token/)).toHaveValue('configured');
    expect(screen.queryByText(/Kept if the new URL reaches the same agent/)).not.toBeInTheDocument();
    await user.type(field(/^Name/), '-2');
    await user.click(screen.getByRole('button', { name: 'Save host' }));
    await waitFor(() => expect(saved).toHaveLength(1));
    expect(saved[0]).toEqual({ name: 'host-a-2' });
  });

  it('"Test agent" tests what is typed, and a refusal of the test shows under the field it names', async () => {
    const { user, field } = renderForm();
    await user.type(field(/^FAgent URL/), 'http://10.0.0.10:9102');
    await user.type(field(/^Instances to test/), 'main, edge ');
    await user.click(screen.getByRole('button', { name: 'Test agent' }));
    const result = await screen.findByRole('status', { name: 'Agent test result' });
    expect(result).toHaveTextContent('Agent answered for 2 instances');
    expect(within(result).getByText('main')).toBeInTheDocument();
    expect(db.requests.find((r) => r.path.endsWith('/hosts/test'))).toEqual({
      method: 'POST',
      path: '/api/plugin-proxy/appcontrol-haproxy-app/admin/api/hosts/test',
      body: { fagent_url: 'http://10.0.0.10:9102', fagent_token: null, instances: ['main', 'edge'] },
    });

    server.use(
      http.post(backendUrl('/hosts/test'), () =>
        apiError(400, 'bad_request', 'fagent_url: FAgent URL must not carry credentials (user:password@)')
      )
    );
    await user.click(screen.getByRole('button', { name: 'Test agent' }));
    expect(await screen.findByText('FAgent URL must not carry credentials (user:password@)')).toBeInTheDocument();
    expect(field(/^Instances to test/).value).toBe('main, edge ');
  });
});

describe('HostForm requests', () => {
  const values = { ...initialHostValues(HOST) };

  it('edits: nothing changed sends nothing; a typed token or a reset token is sent', () => {
    expect(hostRequest(HOST, values)).toEqual({});
    const tokenless = { ...HOST, has_fagent_token: false };
    expect(hostRequest(tokenless, { ...values, fagentUrl: 'http://elsewhere:9000' })).toEqual({
      fagent_url: 'http://elsewhere:9000',
      fagent_token: null,
    });
    expect(hostRequest(HOST, { ...values, token: 'new' })).toEqual({ fagent_token: 'new' });
    expect(hostRequest(HOST, { ...values, tokenReset: true })).toEqual({ fagent_token: null });
    expect(hostRequest(HOST, { ...values, name: 'renamed', isActive: false })).toEqual({
      name: 'renamed',
      is_active: false,
    });
  });

  it('tests with the saved host, whose token the backend sends only to its agent; a reset tests with none', () => {
    expect(agentTestRequest(HOST, values)).toEqual({ fagent_url: 'http://host-a:9000', host_id: 1 });
    expect(agentTestRequest(HOST, { ...values, fagentUrl: 'http://elsewhere:9000' })).toEqual({
      fagent_url: 'http://elsewhere:9000',
      host_id: 1,
    });
    expect(agentTestRequest(HOST, { ...values, tokenReset: true })).toEqual({
      fagent_url: 'http://host-a:9000',
      fagent_token: null,
      host_id: 1,
    });
    expect(agentTestRequest(HOST, { ...values, token: 'typed', testInstances: 'a,,b, a' })).toEqual({
      fagent_url: 'http://host-a:9000',
      fagent_token: 'typed',
      host_id: 1,
      instances: ['a', 'b'],
    });
  });
});
