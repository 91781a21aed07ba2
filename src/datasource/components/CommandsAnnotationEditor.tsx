import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2, QueryEditorProps } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';
import type { DataSource } from '../datasource';
import type { HaproxyOptions, HaproxyQuery } from '../types';
import { ScopeFields } from './ScopePicker';

type Props = QueryEditorProps<DataSource, HaproxyQuery, HaproxyOptions>;

/** Annotation query: always the `commands` type; only its scope is chosen. */
export function CommandsAnnotationEditor({ query, onChange, datasource }: Props) {
  const styles = useStyles2(getStyles);
  return (
    <div data-testid="haproxy-annotation-editor">
      <ScopeFields
        datasource={datasource}
        scope={query?.scope ?? {}}
        idPrefix="haproxy-annotation"
        onChange={(scope) => onChange({ ...query, refId: query?.refId || 'Anno', type: 'commands', scope })}
      />
      <div className={styles.help}>
        drain / ready / maint commands on the servers of this scope: who, on which server, and the result.
      </div>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  help: css({
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
    marginTop: theme.spacing(0.5),
  }),
});
