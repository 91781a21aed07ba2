import React from 'react';
import { screen } from '@testing-library/react';
import type { AgentCommand, Server } from '../../api/types';
import { makeServer } from '../../test/fixtures';
import { renderPage } from '../../test/render';
import { ServerCommandModal } from './ServerCommandModal';

const server = (partial: Partial<Server>) =>
  makeServer({
    server_name: 'web-3',
    backend_id: 1,
    backend_name: 'web',
    instance_id: 1,
    instance_name: 'edge-1',
    ...partial,
  });

function open(s: Server, command: AgentCommand) {
  renderPage(<ServerCommandModal server={s} command={command} onConfirm={jest.fn()} onDismiss={jest.fn()} />);
}

const notice = () => screen.queryByText('HAProxy keeps this server in maintenance');

describe('ServerCommandModal', () => {
  it('says when ready cannot end a maintenance inherited through track, naming the tracked server', () => {
    open(server({ status: 'MAINT', raw_status: 'MAINT (via api:v1/app-1.example)' }), 'ready');
    expect(notice()).toBeInTheDocument();
    expect(screen.getByText(/inherited from api:v1\/app-1\.example, the server it tracks/)).toBeInTheDocument();
  });

  it('says when ready cannot end a drain that comes down a track, naming the tracked server', () => {
    open(server({ status: 'DRAIN', admin_state: 'drain', maint_source: 'inherited', tracks: 'api/app-1' }), 'ready');
    expect(screen.getByText('HAProxy keeps this server drained')).toBeInTheDocument();
    expect(screen.getByText(/drain is inherited from api\/app-1, the server it tracks/)).toBeInTheDocument();
    expect(notice()).not.toBeInTheDocument();
  });

  it('says so for drain too: HAProxy shows the drain once the maintenance it holds ends', () => {
    open(server({ status: 'MAINT', raw_status: 'MAINT (via api/app-1)' }), 'drain');
    expect(notice()).toBeInTheDocument();
    expect(screen.getByText(/Drain records what it should be/)).toBeInTheDocument();
  });

  it('says when ready cannot end a maintenance for an address DNS has not resolved', () => {
    open(
      server({ status: 'MAINT', raw_status: 'MAINT (resolution)', admin_state: 'maint', maint_source: 'resolution' }),
      'ready'
    );
    expect(notice()).toBeInTheDocument();
    expect(screen.getByText(/address has not resolved/)).toBeInTheDocument();
  });

  it.each([
    ['a forced maintenance', { status: 'MAINT' as const, raw_status: 'MAINT' }, 'ready' as const],
    [
      'a maintenance from the configuration',
      { status: 'MAINT' as const, maint_source: 'config' as const },
      'ready' as const,
    ],
    ['a drained server', { status: 'DRAIN' as const }, 'ready' as const],
    [
      'maint, which it shows at once',
      { status: 'MAINT' as const, raw_status: 'MAINT (via api/app-1)' },
      'maint' as const,
    ],
  ])('has no such notice for %s', (_label, partial, command) => {
    open(server(partial), command);
    expect(screen.getByText(/in backend/)).toBeInTheDocument();
    expect(notice()).not.toBeInTheDocument();
  });

  it("says when HAProxy's agent-check may drain the server again after a ready; not for a plain DRAIN", () => {
    open(server({ status: 'DRAIN', raw_status: 'DRAIN (agent)', admin_state: 'drain' }), 'ready');
    expect(screen.getByText("HAProxy's agent-check may drain this server again")).toBeInTheDocument();
    // HAProxy shows a drain set at the socket on such a server as DRAIN (agent) too: the notice does not blame the agent.
    expect(screen.getByText(/its drain is the agent's answer or was set at the stats socket/)).toBeInTheDocument();
    expect(screen.getByText(/drains it again at the next check, until the agent answers ready/)).toBeInTheDocument();
  });

  it.each([
    [
      'a drain of a server without an agent-check',
      { status: 'DRAIN' as const, raw_status: 'DRAIN', admin_state: 'drain' as const },
      'ready',
    ],
    [
      'a drained server whose agent-check answers down',
      { status: 'DOWN' as const, raw_status: 'DOWN (agent)', admin_state: 'drain' as const },
      'ready',
    ],
    [
      'maint over it',
      { status: 'DRAIN' as const, raw_status: 'DRAIN (agent)', admin_state: 'drain' as const },
      'maint',
    ],
  ] as const)('has no agent-check notice for %s', (_label, partial, command) => {
    open(server(partial), command);
    expect(screen.getByText(/in backend/)).toBeInTheDocument();
    expect(screen.queryByText("HAProxy's agent-check may drain this server again")).not.toBeInTheDocument();
  });
});
