import React, { useMemo, useState } from 'react';
import type { SelectableValue } from '@grafana/data';
import { Field, FieldSet, Select } from '@grafana/ui';
import type { Application, ApplicationInput, Host } from '../../api/types';
import { useFormSubmit } from '../../hooks/useFormSubmit';
import { compareNames } from '../../utils/sort';
import { FormModal } from '../FormModal/FormModal';
import { TextField } from '../FormModal/TextField';

const FIELDS = ['name', 'host_id'] as const;

interface Props {
  application?: Application;
  hosts: Host[];
  onSave: (request: Partial<ApplicationInput>) => Promise<unknown>;
  onDismiss: () => void;
}

/** Create or change an application: its name and the host it runs on (auto-mapping matches servers by host). */
export function ApplicationForm({ application, hosts, onSave, onDismiss }: Props) {
  const [name, setName] = useState(application?.name ?? '');
  const [hostId, setHostId] = useState<number | null>(application?.host_id ?? null);
  const { errors, saving, submit } = useFormSubmit(FIELDS);
  const options = useMemo<Array<SelectableValue<number>>>(
    () =>
      hosts
        .map((h) => ({ value: h.id, label: h.name, description: h.address ?? undefined }))
        .sort((a, b) => compareNames(a.label, b.label)),
    [hosts]
  );
  const request: Partial<ApplicationInput> = application
    ? {
        ...(name !== application.name ? { name } : {}),
        ...(hostId !== application.host_id ? { host_id: hostId } : {}),
      }
    : { name, host_id: hostId };

  return (
    <FormModal
      title={application ? `Edit application ${application.name}` : 'Create an application'}
      formName="Application"
      submitLabel={application ? 'Save application' : 'Create application'}
      saving={saving}
      canSubmit={Object.keys(request).length > 0}
      error={errors.general}
      onSubmit={() => submit(() => onSave(request)).then((ok) => ok && onDismiss())}
      onDismiss={onDismiss}
    >
      <FieldSet>
        <TextField
          id="application-name"
          label="Name"
          description="Unique on its host"
          error={errors.fields.name}
          value={name}
          placeholder="shop"
          onChange={setName}
        />
        <Field
          label="Host"
          description="The machine it runs on: auto-mapping maps a server whose address is this host's to the host's one application (or the one named like the backend)"
          invalid={!!errors.fields.host_id}
          error={errors.fields.host_id}
        >
          <Select
            inputId="application-host"
            aria-label="Host"
            options={options}
            value={hostId}
            onChange={(v) => setHostId(v?.value ?? null)}
            placeholder="No host"
            isClearable
          />
        </Field>
      </FieldSet>
    </FormModal>
  );
}
