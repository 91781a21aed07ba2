import React from 'react';
import { Alert, Button } from '@grafana/ui';
import type { ApiError } from '../../api/errors';

interface Props {
  /** What could not be loaded, e.g. "Instances could not be loaded". */
  title: string;
  error: ApiError;
  /** Asks again: a section without auto-refresh would otherwise stay on the error until the browser reloads. */
  onRetry: () => void;
}

/** One section's failed request: what failed, why, and Retry. */
export function LoadError({ title, error, onRetry }: Props) {
  return (
    <Alert severity="error" title={title}>
      <p>{error.message}</p>
      <Button variant="secondary" size="sm" icon="sync" onClick={onRetry}>
        Retry
      </Button>
    </Alert>
  );
}
