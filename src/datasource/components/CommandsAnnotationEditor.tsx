import React from 'react';
import type { DataSourceApi, QueryEditorProps } from '@grafana/data';
import type { HaproxyOptions, HaproxyQuery, NameLookup } from '../types';
import { ScopeFields } from './ScopePicker';
import { EditorHelp } from './EditorHelp';

// The data source by what the editor uses of it: DataSource itself imports this editor (its annotations).
type Props = QueryEditorProps<DataSourceApi<HaproxyQuery, HaproxyOptions> & NameLookup, HaproxyQuery, HaproxyOptions>;

/** Annotation query: always the `commands` type; only its scope is chosen. */
export function CommandsAnnotationEditor({ query, onChange, datasource }: Props) {
  return (
    <div data-testid="haproxy-annotation-editor">
      <ScopeFields
        datasource={datasource}
        scope={query?.scope ?? {}}
        idPrefix="haproxy-annotation"
        onChange={(scope) => onChange({ ...query, refId: query?.refId || 'Anno', type: 'commands', scope })}
      />
      <EditorHelp>
        drain / ready / maint commands on the servers of this scope: who, on which server, and the result.
      </EditorHelp>
    </div>
  );
}
