import React, { type ChangeEvent, type FormEvent, useState } from 'react';
import type { AppPluginMeta, PluginConfigPageProps } from '@grafana/data';
import { Alert, Button, Field, FieldSet, Input, SecretInput, Stack } from '@grafana/ui';
import { api, grafanaApi } from '../../data/client';
import { ApiError, asApiError } from '../../api/errors';
import type { Me } from '../../api/types';
import type { AppSettings } from '../../types';
import { reloadPage } from '../../utils/reloadPage';

export interface AppConfigProps extends PluginConfigPageProps<AppPluginMeta<AppSettings>> {}

interface TestResult {
  severity: 'success' | 'warning' | 'error';
  title: string;
  detail: string;
}

/** Turns the answer of GET /api/me through the plugin proxy into what the administrator should do. */
export function describeConnection(outcome: Me | ApiError): TestResult {
  if (!(outcome instanceof ApiError)) {
    if (outcome.role === 'viewer') {
      return {
        severity: 'warning',
        title: `Connected, but the token "${outcome.token_name}" has role viewer`,
        detail:
          'Pages will load, but drain / ready / maint, sync and mapping will be refused. Use an operator (or admin) token.',
      };
    }
    return {
      severity: 'success',
      title: `Connected as token "${outcome.token_name}" with role ${outcome.role}`,
      detail: 'Grafana reaches the backend and the token is accepted.',
    };
  }
  switch (outcome.kind) {
    case 'unreachable':
      return {
        severity: 'error',
        title: 'Backend unreachable',
        detail: `Grafana could not reach the backend (status ${outcome.status || 'none'}). Check the backend URL (it is resolved by the Grafana server, not by your browser) and that the service is running.`,
      };
    case 'unauthorized':
      return {
        severity: 'error',
        title: 'Invalid API token (401)',
        detail: 'The backend rejected the token. Reset the token, paste a valid one and save.',
      };
    case 'forbidden':
    case 'grafana_forbidden':
      return {
        severity: 'error',
        title: 'Access denied (403)',
        detail: outcome.message,
      };
    case 'not_configured':
      return {
        severity: 'error',
        title: 'Plugin proxy route not found (404)',
        detail: 'Enable the app and save its settings, then test again.',
      };
    default:
      return { severity: 'error', title: `Unexpected answer (${outcome.status})`, detail: outcome.message };
  }
}

/** The app's configuration page: backend URL, API token (write-only), save and "Test connection". */
const AppConfig = ({ plugin }: AppConfigProps) => {
  const { enabled, pinned, jsonData, secureJsonFields } = plugin.meta;
  const [backendUrl, setBackendUrl] = useState(jsonData?.backendUrl ?? '');
  const [apiToken, setApiToken] = useState('');
  const [tokenSet, setTokenSet] = useState(Boolean(secureJsonFields?.apiToken));
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<string>();
  const [testing, setTesting] = useState(false);
  const [testResult, setTestResult] = useState<TestResult>();

  const savedUrl = jsonData?.backendUrl ?? '';
  const dirty = backendUrl !== savedUrl || apiToken !== '' || tokenSet !== Boolean(secureJsonFields?.apiToken);
  const urlValid = /^https?:\/\/[^\s/]+/.test(backendUrl);
  const canSave = urlValid && (tokenSet || apiToken !== '') && !saving;

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    if (!canSave) {
      return;
    }
    setSaving(true);
    setSaveError(undefined);
    try {
      await grafanaApi.savePluginSettings(plugin.meta.id, {
        enabled,
        pinned,
        jsonData: { ...jsonData, backendUrl: backendUrl.replace(/\/+$/, '') },
        // Sent only when a new token was typed: an untouched saved token stays as it is.
        secureJsonData: apiToken ? { apiToken } : undefined,
      });
      reloadPage();
    } catch (err) {
      setSaveError(asApiError(err).message);
    } finally {
      setSaving(false);
    }
  };

  const onTest = async () => {
    setTesting(true);
    setTestResult(undefined);
    try {
      setTestResult(describeConnection(await api.me()));
    } catch (err) {
      setTestResult(describeConnection(asApiError(err)));
    } finally {
      setTesting(false);
    }
  };

  return (
    <form onSubmit={onSubmit}>
      <FieldSet label="HAProxy Control backend">
        <Field
          label="Backend URL"
          description="Base URL of the HAProxy Control backend as the Grafana server reaches it, e.g. http://haproxy-control:8080"
          invalid={backendUrl !== '' && !urlValid}
          error="Enter an http(s) URL"
        >
          <Input
            id="config-backend-url"
            width={60}
            name="backendUrl"
            value={backendUrl}
            placeholder="http://haproxy-control:8080"
            onChange={(e: ChangeEvent<HTMLInputElement>) => setBackendUrl(e.currentTarget.value.trim())}
          />
        </Field>
        <Field
          label="API token"
          description="A backend token with role operator (commands, sync, mapping). Stored encrypted by Grafana and never sent to browsers."
        >
          <SecretInput
            id="config-api-token"
            width={60}
            name="apiToken"
            value={apiToken}
            isConfigured={tokenSet}
            placeholder="Backend API token"
            onChange={(e: ChangeEvent<HTMLInputElement>) => setApiToken(e.currentTarget.value.trim())}
            onReset={() => {
              setApiToken('');
              setTokenSet(false);
            }}
          />
        </Field>
        {saveError && (
          <Alert severity="error" title="Settings could not be saved">
            {saveError}
          </Alert>
        )}
        <Stack gap={1}>
          <Button type="submit" disabled={!canSave}>
            Save settings
          </Button>
          <Button type="button" variant="secondary" icon="heart-rate" disabled={testing} onClick={onTest}>
            Test connection
          </Button>
        </Stack>
        {dirty && !testResult && <p>The connection test uses the saved settings: save your changes first.</p>}
        {testResult && (
          <div role="status" aria-label="Connection test result">
            <Alert severity={testResult.severity} title={testResult.title}>
              {testResult.detail}
            </Alert>
          </div>
        )}
      </FieldSet>
    </form>
  );
};

export default AppConfig;
