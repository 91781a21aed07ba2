import React, { type ChangeEvent } from 'react';
import { css } from '@emotion/css';
import type { DataSourcePluginOptionsEditorProps, GrafanaTheme2 } from '@grafana/data';
import { Field, FieldSet, Input, SecretInput, useStyles2 } from '@grafana/ui';
import type { HaproxyOptions, HaproxySecureJsonData } from '../types';

export type Props = DataSourcePluginOptionsEditorProps<HaproxyOptions, HaproxySecureJsonData>;

export function isValidBackendUrl(url: string | undefined): boolean {
  return /^https?:\/\/[^\s/]+/.test(url ?? '');
}

/**
 * Backend URL (jsonData, resolved by the Grafana server) and API token (secureJsonData: write-only, encrypted,
 * never sent back to browsers). "Save & test" (Grafana's button) then runs DataSource.testDatasource().
 */
export function ConfigEditor({ options, onOptionsChange }: Props) {
  const styles = useStyles2(getStyles);
  const backendUrl = options.jsonData?.backendUrl ?? '';
  const tokenConfigured = Boolean(options.secureJsonFields?.apiToken);
  const urlInvalid = backendUrl !== '' && !isValidBackendUrl(backendUrl);

  const setUrl = (url: string) => onOptionsChange({ ...options, jsonData: { ...options.jsonData, backendUrl: url } });
  const onUrlChange = (event: ChangeEvent<HTMLInputElement>) => setUrl(event.target.value);
  /** Routes append `/api/...`: no trailing slash, no spaces. */
  const onUrlBlur = () => {
    const normalized = backendUrl.trim().replace(/\/+$/, '');
    if (normalized !== backendUrl) {
      setUrl(normalized);
    }
  };

  const onTokenChange = (event: ChangeEvent<HTMLInputElement>) => {
    onOptionsChange({ ...options, secureJsonData: { ...options.secureJsonData, apiToken: event.target.value } });
  };

  const onTokenReset = () => {
    onOptionsChange({
      ...options,
      secureJsonFields: { ...options.secureJsonFields, apiToken: false },
      secureJsonData: { ...options.secureJsonData, apiToken: '' },
    });
  };

  return (
    <FieldSet label="HAProxy Control backend" className={styles.fieldset}>
      <Field
        label="Backend URL"
        description="Where the Grafana server reaches the HAProxy Control service, e.g. http://haproxy-control:8080"
        invalid={urlInvalid}
        error={urlInvalid ? 'Use an http:// or https:// URL' : undefined}
        required
      >
        <Input
          id="haproxy-ds-backend-url"
          width={50}
          value={backendUrl}
          placeholder="http://haproxy-control:8080"
          onChange={onUrlChange}
          onBlur={onUrlBlur}
        />
      </Field>
      <Field
        label="API token"
        description="A HAProxy Control token with role viewer: the data source only reads, and everyone who can query it sends this token. Stored encrypted, never shown again."
        required
      >
        <SecretInput
          id="haproxy-ds-api-token"
          width={50}
          isConfigured={tokenConfigured}
          value={options.secureJsonData?.apiToken ?? ''}
          placeholder="Paste the token"
          onChange={onTokenChange}
          onReset={onTokenReset}
        />
      </Field>
    </FieldSet>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  fieldset: css({
    maxWidth: theme.spacing(100),
  }),
});
