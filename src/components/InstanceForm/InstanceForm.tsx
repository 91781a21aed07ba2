import React, { useState } from 'react';
import { Field, FieldSet, Switch } from '@grafana/ui';
import type { Instance, InstanceInput } from '../../api/types';
import { useFormSubmit } from '../../hooks/useFormSubmit';
import { FormModal } from '../FormModal/FormModal';
import { TextField } from '../FormModal/TextField';
import { ScopeEditor } from '../ScopeEditor/ScopeEditor';
import { scopeValuesOf } from '../ScopeEditor/ScopeEditor.utils';
import { type InstanceFormValues, instanceRequest } from './InstanceForm.utils';

const FIELDS = ['host_id', 'name', 'socket_path', 'is_active', 'backend_scope'] as const;

interface Props {
  hostId: number;
  hostName: string;
  /** The instance to edit; a new one when absent. */
  instance?: Instance;
  onSave: (request: Partial<InstanceInput>) => Promise<unknown>;
  onDismiss: () => void;
}

/**
 * Register or change an HAProxy instance of a host: its name at the agent, socket path, activity and polling
 * scope (with a live preview once saved). The backend checks every field; its refusals show under them.
 */
export function InstanceForm({ hostId, hostName, instance, onSave, onDismiss }: Props) {
  const [values, setValues] = useState<InstanceFormValues>(() => ({
    name: instance?.name ?? '',
    socketPath: instance?.socket_path ?? '',
    isActive: instance?.is_active ?? true,
    scope: scopeValuesOf(instance?.backend_scope ?? null),
  }));
  const { errors, saving, submit } = useFormSubmit(FIELDS);
  const set = (changes: Partial<InstanceFormValues>) => setValues((v) => ({ ...v, ...changes }));
  const request = instanceRequest(hostId, instance, values);

  return (
    <FormModal
      title={instance ? `Edit instance ${instance.name} on ${hostName}` : `Add an HAProxy instance on ${hostName}`}
      formName="HAProxy instance"
      submitLabel={instance ? 'Save instance' : 'Add instance'}
      saving={saving}
      canSubmit={Object.keys(request).length > 0}
      error={[errors.fields.host_id, errors.general].filter(Boolean).join('; ') || undefined}
      onSubmit={() => submit(() => onSave(request)).then((ok) => ok && onDismiss())}
      onDismiss={onDismiss}
    >
      <FieldSet label="Instance">
        <TextField
          id="instance-name"
          label="Name"
          description="The instance's name at the host's agent (the {instance} of its URLs)"
          error={errors.fields.name}
          value={values.name}
          placeholder="main"
          onChange={(name) => set({ name })}
        />
        <TextField
          id="instance-socket-path"
          label="Socket path"
          description="The HAProxy stats socket on the host, for reference (the agent holds its own configuration)"
          error={errors.fields.socket_path}
          value={values.socketPath}
          placeholder="/run/haproxy/admin.sock"
          onChange={(socketPath) => set({ socketPath })}
        />
        <Field label="Active" description="Inactive instances are not polled; everything stored about them stays">
          <Switch
            id="instance-active"
            value={values.isActive}
            onChange={(e) => set({ isActive: e.currentTarget.checked })}
          />
        </Field>
      </FieldSet>
      <FieldSet label="Polling">
        <ScopeEditor
          values={values.scope}
          onChange={(scope) => set({ scope })}
          error={errors.fields.backend_scope}
          instanceId={instance?.id}
        />
      </FieldSet>
      {/* The reconcile policy (the state model: desired state re-applied after a reload) and, with budgets,
          per-backend minimums get their FieldSets here, beside the polling settings they go with. */}
    </FormModal>
  );
}
