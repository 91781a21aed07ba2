import React from 'react';
import { cleanup, screen } from '@testing-library/react';
import type { Server, ServerCommand } from '../../api/types';
import { makeServer } from '../../test/fixtures';
import { renderPage } from '../../test/render';
import { BulkCommandModal } from './BulkCommandModal';

const server = (name: string, partial: Partial<Server> = {}) =>
  makeServer({
    server_name: name,
    backend_id: 1,
    backend_name: 'web',
    instance_id: 1,
    instance_name: 'edge-1',
    ...partial,
  });

function open(servers: Server[], command: ServerCommand) {
  renderPage(
    <BulkCommandModal
      servers={servers}
      backendName="web"
      instanceName="edge-1"
      command={command}
      onConfirm={jest.fn()}
      onDismiss={jest.fn()}
    />
  );
}

describe('BulkCommandModal', () => {
  const fleet = [
    server('web-1', { status: 'MAINT', raw_status: 'MAINT' }),
    server('web-2', { status: 'MAINT', raw_status: 'MAINT (via web/web-1)' }),
    server('web-3', {
      status: 'MAINT',
      raw_status: 'MAINT (resolution)',
      admin_state: 'maint',
      maint_source: 'resolution',
    }),
    server('web-4', { status: 'DRAIN' }),
  ];

  it('names the servers whose maintenance ready cannot end', () => {
    open(fleet, 'ready');
    expect(screen.getByText('HAProxy keeps 2 servers in maintenance')).toBeInTheDocument();
    expect(screen.getByText(/^web-2, web-3: their maintenance/)).toBeInTheDocument();
  });

  it('names them for drain too, which HAProxy shows once that maintenance ends', () => {
    open(fleet, 'drain');
    expect(screen.getByText('HAProxy keeps 2 servers in maintenance')).toBeInTheDocument();
    expect(screen.getByText(/Drain records what they should be/)).toBeInTheDocument();
  });

  it('has no such notice for maint, which shows at once, or when none is held', () => {
    open(fleet, 'maint');
    expect(screen.queryByText(/HAProxy keeps/)).not.toBeInTheDocument();
    open([fleet[0], fleet[3]], 'ready');
    expect(screen.queryByText(/HAProxy keeps/)).not.toBeInTheDocument();
  });

  it('once a budget kept some in, the title counts those only, as the button does', async () => {
    const kept = { message: '1 of 3 done; 2 kept in', refused: [{ id: fleet[1].id, name: 'web-2' }] };
    const { user } = renderPage(
      <BulkCommandModal
        servers={fleet.slice(0, 3)}
        backendName="web"
        instanceName="edge-1"
        command="ready"
        onConfirm={jest.fn().mockResolvedValue(kept)}
        onDismiss={jest.fn()}
      />
    );
    expect(screen.getByRole('heading', { name: 'Ready 3 servers of backend web?' })).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Ready 3 servers' }));
    expect(await screen.findByRole('heading', { name: 'Ready 1 server of backend web?' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Ready 1 server' })).toBeInTheDocument();
  });

  it("names the servers HAProxy's agent-check may drain again after a ready", () => {
    const drained = { status: 'DRAIN' as const, raw_status: 'DRAIN (agent)', admin_state: 'drain' as const };
    open([server('app-1', drained), server('app-2', drained), fleet[3]], 'ready');
    expect(screen.getByText("HAProxy's agent-check may drain 2 servers again")).toBeInTheDocument();
    expect(screen.getByText(/^app-1, app-2: HAProxy shows them "DRAIN \(agent\)"/)).toBeInTheDocument();
    cleanup();
    open([server('app-1', drained)], 'maint');
    expect(screen.queryByText(/agent-check may drain/)).not.toBeInTheDocument();
  });
});
