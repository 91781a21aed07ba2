import React from 'react';
import { PluginPage } from '@grafana/runtime';
import { Alert } from '@grafana/ui';

interface Props {
  /** What the page shows, as in "There is no host with id 7". */
  what: string;
  /** The id as the link gave it. */
  id: string | undefined;
  /** The way back to the list (a TextLink). */
  back: React.ReactNode;
}

/** A page whose record does not exist (a mistyped link, or one deleted since): says so, and the way back. */
export function NotFound({ what, id, back }: Props) {
  return (
    <PluginPage>
      <Alert severity="warning" title={`${what[0].toUpperCase()}${what.slice(1)} not found`}>
        There is no {what} with id {id}.
      </Alert>
      {back}
    </PluginPage>
  );
}
