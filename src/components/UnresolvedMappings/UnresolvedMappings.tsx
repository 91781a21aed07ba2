import React, { useMemo } from 'react';
import { Badge, Button, type Column, InteractiveTable, Stack, Text, useStyles2 } from '@grafana/ui';
import type { UnresolvedServer } from '../../api/types';
import { compareNames } from '../../utils/sort';
import { getNameStyles } from '../../utils/styles';
import { candidateLabel, unresolvedReason } from './UnresolvedMappings.utils';

interface Props {
  entries: UnresolvedServer[];
  /** Editors and Admins map by hand; absent for Viewers. */
  onMap?: (entry: UnresolvedServer, applicationId: number) => void;
  /** Opens the picker of every application. */
  onChoose?: (entry: UnresolvedServer) => void;
  /** Server ids whose mapping is being saved. */
  saving: number[];
}

const AMBIGUOUS = new Set(['ambiguous_host', 'ambiguous_application']);

/** Servers auto-mapping could not map, why, and a one-click manual mapping to each candidate application. */
export function UnresolvedMappings({ entries, onMap, onChoose, saving }: Props) {
  const nameStyles = useStyles2(getNameStyles);
  const columns = useMemo<Array<Column<UnresolvedServer>>>(() => {
    const cols: Array<Column<UnresolvedServer>> = [
      {
        id: 'server',
        header: 'Server',
        cell: ({ row }) => (
          <Stack direction="column" gap={0}>
            <strong className={nameStyles.names}>{row.original.server.server_name}</strong>
            <Text variant="bodySmall" color="secondary">
              <span className={nameStyles.names}>
                {row.original.server.backend_name} on {row.original.server.instance_name}
              </span>
            </Text>
          </Stack>
        ),
      },
      { id: 'address', header: 'Address', cell: ({ row }) => row.original.server.address || '—' },
      {
        id: 'reason',
        header: 'Why it is unmapped',
        cell: ({ row }) => (
          <Stack gap={1} alignItems="center">
            <Badge
              color={AMBIGUOUS.has(row.original.reason) ? 'orange' : 'darkgrey'}
              text={AMBIGUOUS.has(row.original.reason) ? 'ambiguous' : 'unmatched'}
            />
            <Text variant="bodySmall">{unresolvedReason(row.original)}</Text>
          </Stack>
        ),
      },
    ];
    if (onMap && onChoose) {
      cols.push({
        id: 'map',
        header: 'Map to',
        cell: ({ row }) => {
          const entry = row.original;
          const busy = saving.includes(entry.server.id);
          return (
            <Stack gap={1} wrap="wrap">
              {[...entry.candidates]
                .sort((a, b) => compareNames(a.name, b.name) || compareNames(a.host_name ?? '', b.host_name ?? ''))
                .map((app) => {
                  const label = candidateLabel(app, entry.candidates);
                  return (
                    <Button
                      key={app.id}
                      size="sm"
                      variant="secondary"
                      disabled={busy}
                      aria-label={`Map ${entry.server.server_name} to ${label}`}
                      onClick={() => onMap(entry, app.id)}
                    >
                      {label}
                    </Button>
                  );
                })}
              <Button
                size="sm"
                variant="secondary"
                fill="text"
                icon="link"
                disabled={busy}
                aria-label={`Choose an application for ${entry.server.server_name}`}
                onClick={() => onChoose(entry)}
              >
                Choose…
              </Button>
            </Stack>
          );
        },
      });
    }
    return cols;
  }, [onMap, onChoose, saving, nameStyles]);
  return <InteractiveTable columns={columns} data={entries} getRowId={(u: UnresolvedServer) => String(u.server.id)} />;
}
