import React, { useMemo, useState } from 'react';
import type { SelectableValue } from '@grafana/data';
import { Alert, Button, Field, Modal, Select, useStyles2 } from '@grafana/ui';
import type { Server } from '../../api/types';
import { useApplications } from '../../data/useApplications';
import { compareNames } from '../../utils/sort';
import { getNameStyles } from '../../utils/styles';

interface Props {
  server: Server;
  /** Saves the mapping; null unmaps. Resolves when done, rejects on failure (the caller shows the toast). */
  onSave: (applicationId: number | null) => Promise<void>;
  onDismiss: () => void;
}

/** Manual map / unmap of one server to an application, with a searchable picker. */
export function MappingModal({ server, onSave, onDismiss }: Props) {
  const nameStyles = useStyles2(getNameStyles);
  const applications = useApplications();
  const [selected, setSelected] = useState<number | null>(server.application_id);
  const [saving, setSaving] = useState(false);

  const options = useMemo<Array<SelectableValue<number>>>(
    () =>
      (applications.data ?? [])
        .map((a) => ({ value: a.id, label: a.name, description: a.host_name ?? undefined }))
        .sort((a, b) => compareNames(a.label, b.label)),
    [applications.data]
  );

  const save = async (applicationId: number | null) => {
    setSaving(true);
    try {
      await onSave(applicationId);
    } finally {
      setSaving(false);
    }
  };

  return (
    <Modal className={nameStyles.names} title={`Application of ${server.server_name}`} isOpen onDismiss={onDismiss}>
      <p>
        Server <strong>{server.server_name}</strong> in backend <strong>{server.backend_name}</strong> on instance{' '}
        <strong>{server.instance_name}</strong>. A manual mapping is never replaced by auto-mapping.
      </p>
      {applications.error && (
        <Alert severity="error" title="Applications could not be loaded">
          {applications.error.message}
        </Alert>
      )}
      <Field label="Application">
        <Select
          inputId="mapping-application"
          aria-label="Application"
          isLoading={applications.loading}
          options={options}
          value={selected}
          onChange={(v) => setSelected(v?.value ?? null)}
          placeholder="Search applications"
          isClearable
        />
      </Field>
      <Modal.ButtonRow>
        <Button variant="secondary" fill="outline" onClick={onDismiss}>
          Cancel
        </Button>
        {server.application_id !== null && (
          <Button variant="destructive" disabled={saving} onClick={() => save(null)}>
            Unmap
          </Button>
        )}
        <Button
          variant="primary"
          disabled={saving || selected === null || selected === server.application_id}
          onClick={() => save(selected)}
        >
          Save
        </Button>
      </Modal.ButtonRow>
    </Modal>
  );
}
