import React, { useState } from 'react';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { DataSourceSettings } from '@grafana/data';
import type { HaproxyOptions, HaproxySecureJsonData } from '../types';
import { ConfigEditor } from './ConfigEditor';

type Settings = DataSourceSettings<HaproxyOptions, HaproxySecureJsonData>;

function settings(jsonData: HaproxyOptions = {}, tokenConfigured = false): Settings {
  return {
    id: 1,
    uid: 'haproxy-control-ds',
    orgId: 1,
    name: 'HAProxy Control',
    type: 'appcontrol-haproxy-datasource',
    typeName: 'HAProxy Control',
    typeLogoUrl: '',
    access: 'proxy',
    url: '',
    user: '',
    database: '',
    basicAuth: false,
    basicAuthUser: '',
    isDefault: false,
    jsonData,
    secureJsonFields: tokenConfigured ? { apiToken: true } : {},
    readOnly: false,
    withCredentials: false,
  };
}

/** Grafana keeps the settings and passes every change back; the test keeps the last one. */
function renderConfig(initial: Settings) {
  const user = userEvent.setup({ delay: null });
  const onOptionsChange = jest.fn();
  function Host() {
    const [options, setOptions] = useState(initial);
    return (
      <ConfigEditor
        options={options}
        onOptionsChange={(o) => {
          onOptionsChange(o);
          setOptions(o);
        }}
      />
    );
  }
  render(<Host />);
  return { user, last: () => onOptionsChange.mock.calls.at(-1)?.[0] as Settings, onOptionsChange };
}

describe('ConfigEditor', () => {
  it('stores the backend URL in jsonData (trimmed, no trailing slash) and the token only in secureJsonData', async () => {
    const { user, last } = renderConfig(settings());
    await user.type(screen.getByLabelText(/Backend URL/), ' http://haproxy-control:8080/');
    await user.click(screen.getByLabelText(/API token/));
    expect(screen.getByLabelText(/Backend URL/)).toHaveValue('http://haproxy-control:8080');
    await user.type(screen.getByLabelText(/API token/), 's3cret-token');
    expect(last().jsonData).toEqual({ backendUrl: 'http://haproxy-control:8080' });
    expect(last().secureJsonData).toEqual({ apiToken: 's3cret-token' });
    expect(JSON.stringify(last().jsonData)).not.toContain('s3cret');
  });

  it('shows a saved token only as configured, and Reset lets the user paste a new one', async () => {
    const { user, last } = renderConfig(settings({ backendUrl: 'http://backend:8080' }, true));
    expect(screen.getByDisplayValue('http://backend:8080')).toBeInTheDocument();
    expect(screen.getByDisplayValue('configured')).toBeDisabled();
    await user.click(screen.getByRole('button', { name: 'Reset' }));
    expect(last().secureJsonFields).toEqual({ apiToken: false });
    expect(last().secureJsonData).toEqual({ apiToken: '' });
    const token = screen.getByLabelText(/API token/);
    expect(token).toBeEnabled();
    await user.type(token, 'new');
    expect(last().secureJsonData).toEqual({ apiToken: 'new' });
  });

  it('flags a backend URL that is not http(s)', async () => {
    const { user } = renderConfig(settings());
    await user.type(screen.getByLabelText(/Backend URL/), 'backend:8080');
    expect(screen.getByText('Use an http:// or https:// URL')).toBeInTheDocument();
    await user.clear(screen.getByLabelText(/Backend URL/));
    await user.type(screen.getByLabelText(/Backend URL/), 'https://backend');
    expect(screen.queryByText('Use an http:// or https:// URL')).not.toBeInTheDocument();
  });
});
