import React, { type ChangeEvent, useState } from 'react';
import { Field, FieldSet, Input, Switch } from '@grafana/ui';
import type { Instance, InstanceInput } from '../../api/types';
import { useFormSubmit } from '../../hooks/useFormSubmit';
import { FormModal } from '../FormModal/FormModal';
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
        <Field
          label="Name"
          description="The instance's name at the host's agent (the {instance} of its URLs)"
          invalid={!!errors.fields.name}
          error={errors.fields.name}
        >
          <Input
            id="instance-name"
            value={values.name}
            onChange={(e: ChangeEvent<HTMLInputElement>) => set({ name: e.currentTarget.value })}
            placeholder="main"
          />
        </Field>
        <Field
          label="Socket path"
          description="The HAProxy stats socket on the host, for reference (the agent holds its own configuration)"
          invalid={!!errors.fields.socket_path}
          error={errors.fields.socket_path}
        >
          <Input
            id="instance-socket-path"
            value={values.socketPath}
            onChange={(e: ChangeEvent<HTMLInputElement>) => set({ socketPath: e.currentTarget.value })}
            placeholder="/run/haproxy/admin.sock"
          />
        </Field>
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
