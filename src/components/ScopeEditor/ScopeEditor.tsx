import React, { useMemo } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import {
  Alert,
  Badge,
  type Column,
  Field,
  InteractiveTable,
  LoadingPlaceholder,
  RadioButtonGroup,
  Stack,
  Text,
  TextArea,
  useStyles2,
} from '@grafana/ui';
import type { ScopePreview } from '../../api/types';
import { useScopePreview } from '../../data/useScopePreview';
import { useDebounced } from '../../hooks/useDebounced';
import { formatPlural } from '../../utils/format';
import { byName, compareNames } from '../../utils/sort';
import { type ScopeMode, scopeOf, type ScopeValues } from './ScopeEditor.utils';

const MODES: Array<{ label: string; value: ScopeMode; description: string }> = [
  { label: 'Every backend', value: 'all', description: 'Poll all backends the agent lists' },
  { label: 'Only matching', value: 'some', description: 'Poll only the backends these names or patterns match' },
];

/** How long typing must pause before the preview asks the backend. */
const PREVIEW_DELAY_MS = 400;

interface Props {
  values: ScopeValues;
  onChange: (values: ScopeValues) => void;
  /** The backend's refusal of the scope, if any. */
  error?: string;
  /** A saved instance gets a live preview of what its agent lists. */
  instanceId?: number;
}

/** The selective-polling scope: every backend, or names and globs, with a live preview on a saved instance. */
export function ScopeEditor({ values, onChange, error, instanceId }: Props) {
  return (
    <Stack direction="column" gap={1}>
      <Field
        label="Polling scope"
        invalid={!!error && values.mode === 'all'}
        error={values.mode === 'all' ? error : undefined}
      >
        <RadioButtonGroup
          options={MODES}
          value={values.mode}
          onChange={(mode) => onChange({ ...values, mode: mode ?? 'all' })}
        />
      </Field>
      {values.mode === 'some' && (
        <Field
          label="Backend names or patterns"
          description="One per line. Globs: * ? [ab] [!ab] {a,b} {1..3}. Backends outside the scope are neither read nor removed by syncs."
          invalid={!!error}
          error={error}
        >
          <TextArea
            id="instance-scope"
            rows={4}
            value={values.text}
            placeholder={'web_*\napi'}
            onChange={(e) => onChange({ ...values, text: e.currentTarget.value })}
          />
        </Field>
      )}
      {instanceId === undefined ? (
        <Text color="secondary" variant="bodySmall">
          The preview of what the scope takes in works once the instance is saved.
        </Text>
      ) : (
        <LivePreview instanceId={instanceId} scope={scopeOf(values)} />
      )}
    </Stack>
  );
}

function LivePreview({ instanceId, scope }: { instanceId: number; scope: string[] | null }) {
  const settled = useDebounced(scope, PREVIEW_DELAY_MS);
  const preview = useScopePreview(instanceId, settled);
  const styles = useStyles2(getStyles);
  return (
    <section aria-label="Scope preview" className={styles.preview}>
      {preview.loading && <LoadingPlaceholder text="Asking the agent..." />}
      {preview.error && (
        <Alert severity="warning" title="No preview for this scope">
          {preview.error.message}
        </Alert>
      )}
      {preview.data && <PreviewTable preview={preview.data} />}
    </section>
  );
}

type Row = ScopePreview['backends'][number];

function PreviewTable({ preview }: { preview: ScopePreview }) {
  const leaving = preview.backends.filter((b) => b.stored && !b.in_scope);
  const rows = useMemo(() => [...preview.backends].sort((a, b) => compareNames(a.name, b.name)), [preview.backends]);
  const columns = useMemo<Array<Column<Row>>>(
    () => [
      { id: 'name', header: 'Backend', sortType: byName() },
      {
        id: 'in_scope',
        header: 'Scope',
        cell: ({ row }) =>
          row.original.in_scope ? (
            <Badge color="green" text="in scope" />
          ) : (
            <Badge color="darkgrey" text="out of scope" />
          ),
      },
      {
        id: 'on_agent',
        header: 'Agent',
        cell: ({ row }) => (row.original.on_agent ? 'listed' : 'not listed'),
      },
      {
        id: 'stored',
        header: 'Now',
        cell: ({ row }) =>
          row.original.stored
            ? row.original.in_scope
              ? 'shown'
              : 'leaves the page'
            : row.original.in_scope
              ? 'added at the next sync'
              : '—',
      },
    ],
    []
  );
  return (
    <Stack direction="column" gap={1}>
      <Text>
        {formatPlural(preview.in_scope, 'backend')} in scope, {preview.out_of_scope} out of scope
      </Text>
      {preview.agent_error && (
        <Alert severity="warning" title="The agent could not be read: only the stored backends are previewed">
          {preview.agent_error}
        </Alert>
      )}
      {leaving.length > 0 && (
        <Alert severity="info" title={`Saving moves ${formatPlural(leaving.length, 'backend')} to Recently removed`}>
          {leaving.map((b) => b.name).join(', ')}: no sync would refresh them outside the scope. A wider scope brings
          them back at the next sync, with their history.
        </Alert>
      )}
      {rows.length > 0 && (
        <InteractiveTable columns={columns} data={rows} getRowId={(r: Row) => r.name} pageSize={10} />
      )}
    </Stack>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  preview: css({
    borderTop: `1px solid ${theme.colors.border.weak}`,
    paddingTop: theme.spacing(1),
  }),
});
