import React, { type ChangeEvent, type FormEvent, useState } from 'react';
import type { AppPluginMeta, PluginConfigPageProps } from '@grafana/data';
import { Alert, Button, Field, FieldSet, Input, SecretInput, Stack } from '@grafana/ui';
import { api, grafanaApi } from '../../data/client';
import { ApiError, asApiError } from '../../api/errors';
import type { ProxyRole } from '../../api/http';
import type { ApiRole, Me } from '../../api/types';
import { type AppSettings, TOKEN_KEYS, type TokenKey } from '../../types';
import { reloadPage } from '../../utils/reloadPage';
import { formatTime } from '../../utils/format';

export interface AppConfigProps extends PluginConfigPageProps<AppPluginMeta<AppSettings>> {}

interface TestResult {
  severity: 'success' | 'warning' | 'error';
  title: string;
  detail: string;
}

/** One token slot: the backend role it should have, who uses it, and the proxy routes that send it. */
interface Slot {
  key: TokenKey;
  label: string;
  role: ApiRole;
  route: ProxyRole;
  use: string;
}

const SLOTS: Slot[] = [
  {
    key: 'viewerToken',
    label: 'Viewer token',
    role: 'viewer',
    route: 'viewer',
    use: 'Every page reads with it (Grafana Viewers and up).',
  },
  {
    key: 'operatorToken',
    label: 'Operator token',
    role: 'operator',
    route: 'editor',
    use: 'Drain / ready / maint, bulk commands, sync and mapping (Grafana Editors and up).',
  },
  {
    key: 'adminToken',
    label: 'Admin token',
    role: 'admin',
    route: 'admin',
    use: 'Hosts, instances and applications, restore and forget, confirming held removals (Grafana Admins).',
  },
];

const ROLE_RANK: Record<ApiRole, number> = { viewer: 1, operator: 2, admin: 3 };

/** A slot's token that ends sooner than this is a warning: time to put a new one in. */
const EXPIRY_WARNING_MS = 14 * 24 * 3600e3;

/** Turns the answer of GET /api/me through one slot's proxy route into what the administrator should do. */
export function describeConnection(slot: Slot, outcome: Me | ApiError): TestResult {
  if (!(outcome instanceof ApiError)) {
    const who = `token "${outcome.token_name}" with role ${outcome.role}`;
    if (outcome.role === slot.role) {
      const expires = outcome.expires_at ? Date.parse(outcome.expires_at) : undefined;
      if (expires !== undefined && expires - Date.now() < EXPIRY_WARNING_MS) {
        return {
          severity: 'warning',
          title: `${slot.label}: ${who}, expires ${formatTime(outcome.expires_at)}`,
          detail: `From then on the backend refuses it, and what this slot is for stops working: ${slot.use} Create a new token on the API tokens page and set it here before then.`,
        };
      }
      const detail =
        expires === undefined ? slot.use : `${slot.use} The token expires ${formatTime(outcome.expires_at)}.`;
      return { severity: 'success', title: `${slot.label}: connected as ${who}`, detail };
    }
    return ROLE_RANK[outcome.role] < ROLE_RANK[slot.role]
      ? {
          severity: 'warning',
          title: `${slot.label}: ${who}, but this slot needs ${slot.role}`,
          detail: `The backend will refuse what this slot is for: ${slot.use} Create a token with role ${slot.role}.`,
        }
      : {
          severity: 'warning',
          title: `${slot.label}: ${who}, more than this slot needs (${slot.role})`,
          detail: `It works, but every Grafana user of this slot then holds a ${outcome.role} token behind the proxy. Use a token with role ${slot.role}.`,
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
        title: `${slot.label}: invalid API token (401)`,
        detail: 'The backend rejected the token (or none is set). Reset the token, paste a valid one and save.',
      };
    case 'forbidden':
    case 'grafana_forbidden':
      return { severity: 'error', title: `${slot.label}: access denied (403)`, detail: outcome.message };
    case 'not_configured':
      return {
        severity: 'error',
        title: 'Plugin proxy route not found (404)',
        detail: 'Enable the app and save its settings, then test again.',
      };
    default:
      return {
        severity: 'error',
        title: `${slot.label}: unexpected answer (${outcome.status})`,
        detail: outcome.message,
      };
  }
}

type Tokens = Record<TokenKey, string>;
type Configured = Record<TokenKey, boolean>;

/**
 * The app's configuration page: backend URL and one backend token per Grafana role (write-only), save, and "Test
 * connection", which asks GET /api/me through each role's proxy route.
 */
const AppConfig = ({ plugin }: AppConfigProps) => {
  const { enabled, pinned, jsonData, secureJsonFields } = plugin.meta;
  const savedConfigured = Object.fromEntries(TOKEN_KEYS.map((k) => [k, Boolean(secureJsonFields?.[k])])) as Configured;
  const [backendUrl, setBackendUrl] = useState(jsonData?.backendUrl ?? '');
  const [tokens, setTokens] = useState<Tokens>({ viewerToken: '', operatorToken: '', adminToken: '' });
  const [configured, setConfigured] = useState<Configured>(savedConfigured);
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<string>();
  const [testing, setTesting] = useState(false);
  const [testResults, setTestResults] = useState<TestResult[]>();

  const savedUrl = jsonData?.backendUrl ?? '';
  const typed = Object.fromEntries(TOKEN_KEYS.filter((k) => tokens[k] !== '').map((k) => [k, tokens[k]]));
  // A saved token that was reset and not typed again is cleared: kept, Grafana would go on sending it.
  const cleared = Object.fromEntries(
    TOKEN_KEYS.filter((k) => savedConfigured[k] && !configured[k] && tokens[k] === '').map((k) => [k, ''])
  );
  const secureChanges = { ...cleared, ...typed };
  const dirty =
    backendUrl !== savedUrl ||
    Object.keys(typed).length > 0 ||
    TOKEN_KEYS.some((k) => configured[k] !== savedConfigured[k]);
  const urlValid = /^https?:\/\/[^\s/]+/.test(backendUrl);
  // Every page reads with the viewer token: without it nothing works.
  const canSave = urlValid && (configured.viewerToken || tokens.viewerToken !== '') && !saving;
  // Configured before the three tokens existed: one token (apiToken) for everyone, which no route sends now.
  const legacyToken = Boolean(secureJsonFields?.apiToken) && !TOKEN_KEYS.some((k) => savedConfigured[k]);

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
        // Only the tokens typed or reset now are sent: an untouched saved token stays as it is.
        secureJsonData: Object.keys(secureChanges).length > 0 ? secureChanges : undefined,
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
    setTestResults(undefined);
    const results = await Promise.all(
      SLOTS.map(async (slot) => {
        try {
          return describeConnection(slot, await api.me(slot.route));
        } catch (err) {
          return describeConnection(slot, asApiError(err));
        }
      })
    );
    // A backend that cannot be reached says so once, not once per token.
    setTestResults(results.filter((r, i) => results.findIndex((x) => x.title === r.title) === i));
    setTesting(false);
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
      </FieldSet>
      <FieldSet label="Backend tokens, one per Grafana role">
        <p>
          Grafana&apos;s proxy sends each Grafana role&apos;s requests with that role&apos;s backend token, so a Viewer
          can only read and an Editor cannot register hosts, whatever they send. Create them with{' '}
          <code>npm run tokens -w backend -- create grafana-viewer viewer --grafana</code> (and operator, admin), or let
          the backend create them from BOOTSTRAP_GRAFANA_VIEWER_TOKEN, _OPERATOR_TOKEN and _ADMIN_TOKEN. Stored
          encrypted by Grafana and never sent to browsers.
        </p>
        {legacyToken && (
          <Alert severity="warning" title="Set the three tokens">
            This app was configured with one API token for every role, which no route sends any more. Enter a viewer, an
            operator and an admin token and save.
          </Alert>
        )}
        {SLOTS.map((slot) => (
          <Field key={slot.key} label={slot.label} description={`Role ${slot.role}. ${slot.use}`}>
            <SecretInput
              id={`config-${slot.key}`}
              width={60}
              name={slot.key}
              value={tokens[slot.key]}
              isConfigured={configured[slot.key]}
              placeholder={`Backend token with role ${slot.role}`}
              onChange={(e: ChangeEvent<HTMLInputElement>) => {
                const value = e.currentTarget.value.trim();
                setTokens((t) => ({ ...t, [slot.key]: value }));
              }}
              onReset={() => {
                setTokens((t) => ({ ...t, [slot.key]: '' }));
                setConfigured((c) => ({ ...c, [slot.key]: false }));
              }}
            />
          </Field>
        ))}
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
        {dirty && !testResults && <p>The connection test uses the saved settings: save your changes first.</p>}
        {testResults && (
          <div role="status" aria-label="Connection test result">
            {testResults.map((r) => (
              <Alert key={r.title} severity={r.severity} title={r.title}>
                {r.detail}
              </Alert>
            ))}
          </div>
        )}
      </FieldSet>
    </form>
  );
};

export default AppConfig;
