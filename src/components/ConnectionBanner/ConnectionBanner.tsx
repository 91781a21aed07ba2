import React from 'react';
import { Alert, Button, LinkButton, Stack } from '@grafana/ui';
import type { ApiError } from '../../api/errors';
import { PLUGIN_CONFIG_URL } from '../../constants';
import { usePluginSettings } from '../PluginSettings/PluginSettings';

interface Props {
  /** The first error of the page's requests, if any. */
  error?: ApiError;
  /** Asks the page's requests again: the page comes back by itself once they are answered. */
  onRetry: () => void;
}

/** True when the backend cannot be used at all: the page shows the banner and nothing else. */
export function isConnectionProblem(error?: ApiError): boolean {
  return Boolean(error?.isConnectionProblem);
}

/**
 * The single banner a page shows when the backend cannot be used at all (plugin not configured, backend
 * unreachable, token refused). It is driven by the answers, not by the settings alone: Grafana may not show
 * every user the app's settings, while every user gets the proxy's answer. Pages without auto-refresh would stay on
 * it until the browser reloads: Retry asks again (a backend back up, a token fixed meanwhile).
 */
export function ConnectionBanner({ error, onRetry }: Props) {
  const { jsonData } = usePluginSettings();
  if (!error || !isConnectionProblem(error)) {
    return null;
  }
  const title = !jsonData.backendUrl
    ? 'HAProxy Control is not configured'
    : error.kind === 'unauthorized'
      ? 'The backend rejected the API token'
      : error.kind === 'not_configured'
        ? 'The app is not enabled or its proxy routes are missing'
        : 'The HAProxy Control backend is unreachable';
  const message = !jsonData.backendUrl
    ? 'The backend URL and API tokens must be set on the app configuration page (Grafana administrators).'
    : error.message;
  return (
    <Alert severity="error" title={title}>
      <p>{message}</p>
      <Stack gap={1}>
        <Button variant="primary" size="sm" icon="sync" onClick={onRetry}>
          Retry
        </Button>
        <LinkButton href={PLUGIN_CONFIG_URL} variant="secondary" size="sm" icon="cog">
          Open plugin configuration
        </LinkButton>
      </Stack>
    </Alert>
  );
}
