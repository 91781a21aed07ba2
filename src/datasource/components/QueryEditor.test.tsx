import React, { useState } from 'react';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { installBackend, installTemplateSrv, makeDataSource } from '../test/helpers';
import type { HaproxyQuery } from '../types';
import { QueryEditor } from './QueryEditor';

/** Renders the editor the way Grafana does: it owns the query and passes it back on every change. */
function renderEditor(initial: HaproxyQuery) {
  const user = userEvent.setup({ delay: null });
  const onChange = jest.fn();
  const onRunQuery = jest.fn();
  const datasource = makeDataSource();
  function Host() {
    const [query, setQuery] = useState(initial);
    return (
      <QueryEditor
        datasource={datasource}
        query={query}
        onChange={(q) => {
          onChange(q);
          setQuery(q);
        }}
        onRunQuery={onRunQuery}
      />
    );
  }
  render(<Host />);
  return { user, onChange, onRunQuery, lastQuery: () => onChange.mock.calls.at(-1)?.[0] as HaproxyQuery };
}

/** Opens a Grafana Select by its label and returns the menu. */
async function openSelect(user: ReturnType<typeof userEvent.setup>, label: string) {
  await user.click(screen.getByLabelText(label));
  return screen.findByLabelText('Select options menu');
}

beforeEach(() => {
  installTemplateSrv([
    { name: 'instance', value: 'haproxy-1' },
    { name: 'backend', value: '$__all', options: ['be_web'] },
  ]);
});

describe('QueryEditor', () => {
  it('shows the query type and its description', () => {
    renderEditor({ refId: 'A', type: 'status_counts', scope: {} });
    expect(screen.getByText('Status counts')).toBeInTheDocument();
    expect(screen.getByText(/Number of servers in each status over time/)).toBeInTheDocument();
    expect(screen.queryByRole('radio', { name: 'Sum per backend' })).not.toBeInTheDocument();
  });

  it('shows a saved query of a type it does not know instead of crashing, and lets another type be chosen', async () => {
    const { user, lastQuery } = renderEditor({ refId: 'A', type: 'timeline' as HaproxyQuery['type'], scope: {} });
    expect(screen.getByText(/Unknown type "timeline", not run: choose a type/)).toBeInTheDocument();
    await user.click(within(await openSelect(user, 'Type')).getByText('Status timeline'));
    expect(lastQuery()).toEqual({ refId: 'A', type: 'status_timeline', scope: {} });
  });

  it('offers the six types and runs the query after a change', async () => {
    const { user, onRunQuery, lastQuery } = renderEditor({
      refId: 'A',
      type: 'status_counts',
      scope: { instance: 'h1' },
    });
    const menu = await openSelect(user, 'Type');
    const labels = within(menu)
      .getAllByRole('option')
      .map((o) => o.textContent);
    for (const label of ['Status timeline', 'Status counts', 'Sessions', 'Weight', 'Commands', 'Servers table']) {
      expect(labels.some((text) => text?.startsWith(label))).toBe(true);
    }
    await user.click(within(menu).getByText('Status timeline'));
    expect(lastQuery()).toEqual({ refId: 'A', type: 'status_timeline', scope: { instance: 'h1' } });
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('chooses per-server or per-backend sessions, and drops the aggregate for other types', async () => {
    const { user, lastQuery } = renderEditor({ refId: 'A', type: 'sessions', scope: {} });
    expect(screen.getByRole('radio', { name: 'Per server' })).toBeChecked();
    await user.click(screen.getByRole('radio', { name: 'Max per backend' }));
    expect(lastQuery()).toEqual({ refId: 'A', type: 'sessions', scope: {}, aggregate: 'max' });
    await user.click(screen.getByRole('radio', { name: 'Per server' }));
    expect(lastQuery()).toEqual({ refId: 'A', type: 'sessions', scope: {} });
    await user.click(screen.getByRole('radio', { name: 'Sum per backend' }));
    const menu = await openSelect(user, 'Type');
    await user.click(within(menu).getByText('Weight'));
    expect(lastQuery()).toEqual({ refId: 'A', type: 'weight', scope: {} });
    expect(screen.queryByRole('radio', { name: 'Sum per backend' })).not.toBeInTheDocument();
  });

  it('lists backends from the lookup narrowed by the instance, with the template variables', async () => {
    const requests = installBackend({
      lookup: () => ({
        values: [
          { text: 'be_web', value: 'be_web' },
          { text: 'be_api', value: 'be_api' },
        ],
      }),
    });
    const { user, lastQuery, onRunQuery } = renderEditor({
      refId: 'A',
      type: 'weight',
      scope: { instance: '$instance' },
    });
    const menu = await openSelect(user, 'Backend');
    await within(menu).findByText('be_api');
    expect(within(menu).getByText('$instance')).toBeInTheDocument();
    expect(within(menu).getByText('$backend')).toBeInTheDocument();
    expect(requests).toHaveLength(1);
    expect(requests[0].path).toBe('/api/datasources/proxy/uid/haproxy-control-ds/api/haproxy/lookup/backends');
    expect(requests[0].params).toEqual({ instance: 'haproxy-1' });
    await user.click(within(menu).getByText('be_api'));
    expect(lastQuery()).toEqual({ refId: 'A', type: 'weight', scope: { instance: '$instance', backend: 'be_api' } });
    expect(onRunQuery).toHaveBeenCalled();
  });

  it('accepts a typed glob or variable as a scope value', async () => {
    installBackend({ lookup: () => ({ values: [] }) });
    const { user, lastQuery } = renderEditor({ refId: 'A', type: 'status_timeline', scope: {} });
    await user.click(screen.getByLabelText('Server'));
    await user.keyboard('web-*');
    await user.click(await screen.findByText('Use "web-*"'));
    expect(lastQuery().scope).toEqual({ server: 'web-*' });
    expect(screen.getByText('web-*')).toBeInTheDocument();
  });

  it('searches the backend for a typed name part, not for a glob', async () => {
    const requests = installBackend({
      lookup: (_kind, params) => ({ values: params.q ? [{ text: `${params.q}-42`, value: `${params.q}-42` }] : [] }),
    });
    const { user, lastQuery } = renderEditor({ refId: 'A', type: 'status_timeline', scope: { backend: 'be_web' } });
    await user.click(screen.getByLabelText('Server'));
    await user.keyboard('web');
    await user.click(await screen.findByText('web-42'));
    expect(lastQuery().scope).toEqual({ backend: 'be_web', server: 'web-42' });
    expect(requests.at(-1)?.params).toEqual({ backend: 'be_web', q: 'web' });
    const searches = requests.length;
    await user.click(screen.getByLabelText('Server'));
    await user.keyboard('web-*');
    await screen.findByText('Use "web-*"');
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(requests.slice(searches).some((r) => r.params.q?.includes('*'))).toBe(false);
  });

  it('clears a scope key back to "All"', async () => {
    const { user, lastQuery } = renderEditor({ refId: 'A', type: 'weight', scope: { instance: 'h1', backend: 'b1' } });
    installBackend();
    await user.click(screen.getByLabelText('Backend'));
    await user.keyboard('{Backspace}');
    expect(lastQuery().scope).toEqual({ instance: 'h1' });
  });

  it('tells the user when the lookup fails', async () => {
    installBackend({ lookup: () => ({}) });
    const { server } = await import('../../test/server');
    const { http, HttpResponse } = await import('msw');
    const { DS_PROXY } = await import('../test/helpers');
    server.use(
      http.get(`${DS_PROXY}/api/haproxy/lookup/:kind`, () =>
        HttpResponse.json({ error: { code: 'unauthorized', message: 'invalid token' } }, { status: 401 })
      )
    );
    installTemplateSrv([]);
    const { user } = renderEditor({ refId: 'A', type: 'weight', scope: {} });
    await user.click(screen.getByLabelText('Application'));
    await waitFor(() => expect(screen.getByText(/rejected the data source token/)).toBeInTheDocument());
  });
});
