import React, { useState } from 'react';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { installBackend, installTemplateSrv, makeDataSource } from '../test/helpers';
import type { HaproxyQuery, VariableQuery } from '../types';
import { CommandsAnnotationEditor } from './CommandsAnnotationEditor';
import { VariableQueryEditor, variableDefinition } from './VariableQueryEditor';

function renderVariableEditor(initial: VariableQuery | string | undefined) {
  const user = userEvent.setup({ delay: null });
  const onChange = jest.fn();
  const datasource = makeDataSource();
  function Host() {
    const [query, setQuery] = useState(initial);
    return (
      <VariableQueryEditor
        datasource={datasource}
        query={query}
        onChange={(q, definition) => {
          onChange(q, definition);
          setQuery(q);
        }}
      />
    );
  }
  render(<Host />);
  return { user, onChange };
}

beforeEach(() => installTemplateSrv([{ name: 'instance', value: ['haproxy-1', 'haproxy-2'] }]));

describe('VariableQueryEditor', () => {
  it('starts with instances, saved at once, and has no instance filter for them', () => {
    const { onChange } = renderVariableEditor('');
    expect(onChange).toHaveBeenCalledWith({ kind: 'instances' }, 'instances');
    expect(screen.getByRole('radio', { name: 'Instances' })).toBeChecked();
    expect(screen.queryByLabelText('Instance')).not.toBeInTheDocument();
    expect(screen.getByLabelText('Backend')).toBeInTheDocument();
  });

  it('lists backends of $instance: kind, filter and the definition Grafana shows', async () => {
    const requests = installBackend();
    const { user, onChange } = renderVariableEditor({ kind: 'instances' });
    expect(onChange).not.toHaveBeenCalled();
    await user.click(screen.getByRole('radio', { name: 'Backends' }));
    expect(onChange).toHaveBeenLastCalledWith({ kind: 'backends' }, 'backends');
    expect(screen.queryByLabelText('Backend')).not.toBeInTheDocument();
    await user.click(screen.getByLabelText('Instance'));
    const menu = await screen.findByLabelText('Select options menu');
    await within(menu).findByText('instances-1');
    await user.click(within(menu).getByText('$instance'));
    expect(onChange).toHaveBeenLastCalledWith(
      { kind: 'backends', instance: '$instance' },
      'backends?instance=$instance'
    );
    expect(requests[0].path).toMatch(/\/lookup\/instances$/);
  });

  it('reads the string form of a hand-written variable', () => {
    renderVariableEditor('servers?backend=be_web');
    expect(screen.getByRole('radio', { name: 'Servers' })).toBeChecked();
    expect(screen.getByText('be_web')).toBeInTheDocument();
  });

  it('drops the filter on the listed kind itself when the kind changes', async () => {
    const { user, onChange } = renderVariableEditor({ kind: 'servers', backend: 'be_web', instance: 'h1' });
    await user.click(screen.getByRole('radio', { name: 'Backends' }));
    expect(onChange).toHaveBeenLastCalledWith({ kind: 'backends', instance: 'h1' }, 'backends?instance=h1');
  });

  it('writes definitions in the string form metricFindQuery reads back', () => {
    expect(variableDefinition({ kind: 'servers', instance: '$instance', backend: 'be_*', q: 'web' })).toBe(
      'servers?instance=$instance&backend=be_*&q=web'
    );
  });
});

describe('CommandsAnnotationEditor', () => {
  it('edits only the scope and keeps the commands type', async () => {
    installBackend();
    const user = userEvent.setup({ delay: null });
    const onChange = jest.fn();
    render(
      <CommandsAnnotationEditor
        datasource={makeDataSource()}
        query={{ refId: '', type: 'commands', scope: {} } as HaproxyQuery}
        onChange={onChange}
        onRunQuery={() => {}}
      />
    );
    expect(screen.getByText(/drain \/ ready \/ maint commands/)).toBeInTheDocument();
    await user.click(screen.getByLabelText('Instance'));
    await user.click(within(await screen.findByLabelText('Select options menu')).getByText('$instance'));
    expect(onChange).toHaveBeenLastCalledWith({ refId: 'Anno', type: 'commands', scope: { instance: '$instance' } });
  });
});
