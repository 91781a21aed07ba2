import { DataSourcePlugin } from '@grafana/data';
import { ConfigEditor } from './components/ConfigEditor';
import { QueryEditor } from './components/QueryEditor';
import { VariableQueryEditor } from './components/VariableQueryEditor';
import { DataSource } from './datasource';
import type { HaproxyOptions, HaproxyQuery, HaproxySecureJsonData } from './types';

export const plugin = new DataSourcePlugin<DataSource, HaproxyQuery, HaproxyOptions, HaproxySecureJsonData>(DataSource)
  .setConfigEditor(ConfigEditor)
  .setQueryEditor(QueryEditor)
  .setVariableQueryEditor(VariableQueryEditor);
