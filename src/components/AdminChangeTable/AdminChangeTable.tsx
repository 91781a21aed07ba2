import React, { useMemo } from 'react';
import { Link } from 'react-router-dom';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Badge, type Column, InteractiveTable, Stack, Text, useStyles2 } from '@grafana/ui';
import type { AdminChange } from '../../api/types';
import { formatTime } from '../../utils/format';
import {
  CHANGE_ACTION_BADGES,
  ENTITY_KIND_WORDS,
  entityHref,
  fieldChanges,
  fieldChangeText,
} from './AdminChangeTable.utils';

/** Lines of changed fields a row shows; its expanded row shows them all. */
const FIELDS_SHOWN = 3;

const getStyles = (theme: GrafanaTheme2) => ({
  names: css({ overflowWrap: 'anywhere' }),
  lines: css({ margin: 0, padding: 0, listStyle: 'none', overflowWrap: 'anywhere' }),
  fields: css({
    borderCollapse: 'collapse',
    margin: theme.spacing(1, 0, 1, 4),
    'th, td': {
      padding: theme.spacing(0.5, 2, 0.5, 0),
      textAlign: 'left',
      verticalAlign: 'top',
      overflowWrap: 'anywhere',
    },
    th: { color: theme.colors.text.secondary, fontWeight: theme.typography.fontWeightMedium },
  }),
});

function EntityCell({ change }: { change: AdminChange }) {
  const styles = useStyles2(getStyles);
  const href = entityHref(change);
  return (
    <Stack direction="column" gap={0}>
      <Text color="secondary" variant="bodySmall">
        {ENTITY_KIND_WORDS[change.entity_kind] ?? change.entity_kind}
      </Text>
      <span className={styles.names}>{href ? <Link to={href}>{change.entity_name}</Link> : change.entity_name}</span>
    </Stack>
  );
}

/** The changed fields in a few lines, `field: old → new` (a creation's or deletion's values alone). */
function FieldsCell({ change }: { change: AdminChange }) {
  const styles = useStyles2(getStyles);
  const fields = fieldChanges(change);
  if (fields.length === 0) {
    return <>—</>;
  }
  const hidden = fields.length - FIELDS_SHOWN;
  return (
    <ul className={styles.lines}>
      {fields.slice(0, FIELDS_SHOWN).map((f) => (
        <li key={f.field}>{fieldChangeText(f)}</li>
      ))}
      {hidden > 0 && (
        <li>
          <Text color="secondary" variant="bodySmall">{`+${hidden} more (expand the row)`}</Text>
        </li>
      )}
    </ul>
  );
}

/** Every changed field of a change, its value before and after. */
function ChangeDetails({ change }: { change: AdminChange }) {
  const styles = useStyles2(getStyles);
  const fields = fieldChanges(change);
  if (fields.length === 0) {
    return (
      <Text color="secondary" italic>
        No field recorded
      </Text>
    );
  }
  return (
    <table className={styles.fields} aria-label={`Fields of change ${change.id}`}>
      <thead>
        <tr>
          <th>Field</th>
          <th>Before</th>
          <th>After</th>
        </tr>
      </thead>
      <tbody>
        {fields.map((f) => (
          <tr key={f.field}>
            <td>{f.field}</td>
            <td>{f.before ?? '—'}</td>
            <td>{f.after ?? '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The admin change log, newest first: when, who, which entity, what, and the fields before → after. */
export function AdminChangeTable({ changes }: { changes: AdminChange[] }) {
  const styles = useStyles2(getStyles);
  const columns = useMemo<Array<Column<AdminChange>>>(
    () => [
      { id: 'changed_at', header: 'Time', cell: ({ row }) => formatTime(row.original.changed_at) },
      { id: 'actor', header: 'Actor', cell: ({ row }) => <span className={styles.names}>{row.original.actor}</span> },
      { id: 'entity', header: 'Entity', cell: ({ row }) => <EntityCell change={row.original} /> },
      {
        id: 'action',
        header: 'Action',
        cell: ({ row }) => {
          const badge = CHANGE_ACTION_BADGES[row.original.action];
          return badge ? (
            <Badge text={badge.text} color={badge.color} tooltip={badge.help} />
          ) : (
            <Badge text={row.original.action} color="darkgrey" />
          );
        },
      },
      {
        id: 'summary',
        header: 'Summary',
        cell: ({ row }) => <span className={styles.names}>{row.original.summary}</span>,
      },
      { id: 'fields', header: 'Changed fields', cell: ({ row }) => <FieldsCell change={row.original} /> },
    ],
    [styles]
  );
  return (
    <InteractiveTable
      columns={columns}
      data={changes}
      getRowId={(c: AdminChange) => String(c.id)}
      renderExpandedRow={(c) => <ChangeDetails change={c} />}
    />
  );
}
