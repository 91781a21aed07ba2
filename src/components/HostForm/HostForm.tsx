import React, { type ChangeEvent, useState } from 'react';
import { Button, Field, FieldSet, SecretInput, Switch } from '@grafana/ui';
import type { Host, HostInput } from '../../api/types';
import { useAgentTest } from '../../data/useAgentTest';
import { useFormSubmit } from '../../hooks/useFormSubmit';
import { formErrorsOf } from '../../utils/formErrors';
import { AgentTestResult } from '../AgentTestResult/AgentTestResult';
import { FormModal } from '../FormModal/FormModal';
import { TextField } from '../FormModal/TextField';
import {
  agentTestRequest,
  type HostFormValues,
  hostRequest,
  initialHostValues,
  savedTokenApplies,
  urlChanged,
} from './HostForm.utils';

const FIELDS = ['name', 'address', 'fagent_url', 'fagent_token', 'is_active', 'instances'] as const;

interface Props {
  /** The host to edit; a new one when absent. */
  host?: Host;
  onSave: (input: Partial<HostInput>) => Promise<unknown>;
  onDismiss: () => void;
}

/**
 * Register or change a host: its name, address, FAgent URL and write-only agent token, with "Test agent" on what
 * is typed (saved or not). The backend checks every field; its refusals show under them and nothing typed is lost.
 */
export function HostForm({ host, onSave, onDismiss }: Props) {
  const [values, setValues] = useState<HostFormValues>(() => initialHostValues(host));
  const { errors, saving, submit } = useFormSubmit(FIELDS);
  const agentTest = useAgentTest();
  const set = (changes: Partial<HostFormValues>) => setValues((v) => ({ ...v, ...changes }));

  const request = hostRequest(host, values);
  const changed = Object.keys(request).length > 0;
  const testErrors = agentTest.error ? formErrorsOf(agentTest.error, FIELDS) : undefined;
  const fieldError = (f: (typeof FIELDS)[number]) => errors.fields[f] ?? testErrors?.fields[f];
  const movedAgent = urlChanged(host, values);

  return (
    <FormModal
      title={host ? `Edit host ${host.name}` : 'Register a host'}
      formName="Host"
      submitLabel={host ? 'Save host' : 'Register host'}
      saving={saving}
      canSubmit={changed}
      error={errors.general}
      onSubmit={() => submit(async () => onSave(request)).then((ok) => ok && onDismiss())}
      onDismiss={onDismiss}
      extraButtons={
        <Button
          type="button"
          variant="secondary"
          icon={agentTest.testing ? 'spinner' : 'heart-rate'}
          disabled={agentTest.testing}
          onClick={() => agentTest.run(agentTestRequest(host, values))}
        >
          Test agent
        </Button>
      }
    >
      <FieldSet>
        <TextField
          id="host-name"
          label="Name"
          description="How this machine is called in the app (unique)"
          error={fieldError('name')}
          value={values.name}
          placeholder="lb1.prod"
          onChange={(name) => set({ name })}
        />
        <TextField
          id="host-address"
          label="Address"
          description="The host's IP or DNS name: auto-mapping matches servers' addresses against it"
          error={fieldError('address')}
          value={values.address}
          placeholder="10.0.0.10"
          onChange={(address) => set({ address })}
        />
        <TextField
          id="host-fagent-url"
          label="FAgent URL"
          description="Where the backend reaches this host's agent, e.g. http://10.0.0.10:9102"
          error={fieldError('fagent_url')}
          value={values.fagentUrl}
          placeholder="http://10.0.0.10:9102"
          onChange={(fagentUrl) => set({ fagentUrl })}
        />
        <Field
          label="Agent token"
          description={
            movedAgent && savedTokenApplies(host, values)
              ? 'Kept if the new URL reaches the same agent (written otherwise: case, default port, trailing slash). Another agent needs its own token here, or Reset for none: the saved one is never sent to another address.'
              : 'Sent to the agent as a bearer token; stored by the backend and never shown again. Empty: the service default.'
          }
          invalid={!!fieldError('fagent_token')}
          error={fieldError('fagent_token')}
        >
          <SecretInput
            id="host-fagent-token"
            value={values.token}
            isConfigured={savedTokenApplies(host, values)}
            placeholder="Agent token"
            onChange={(e: ChangeEvent<HTMLInputElement>) => set({ token: e.currentTarget.value })}
            onReset={() => set({ token: '', tokenReset: true })}
          />
        </Field>
        <Field label="Active" description="Inactive hosts are not polled; everything stored about them stays">
          <Switch
            id="host-active"
            value={values.isActive}
            onChange={(e) => set({ isActive: e.currentTarget.checked })}
          />
        </Field>
        <TextField
          id="host-test-instances"
          label="Instances to test"
          description={
            host
              ? 'HAProxy instance names "Test agent" reads, comma-separated; empty: the ones registered on this host'
              : 'HAProxy instance names "Test agent" reads, comma-separated (an agent cannot list its instances)'
          }
          error={fieldError('instances')}
          value={values.testInstances}
          placeholder="main"
          onChange={(testInstances) => set({ testInstances })}
        />
      </FieldSet>
      {(agentTest.result || testErrors?.general) && (
        <AgentTestResult result={agentTest.result} refusal={testErrors?.general} />
      )}
    </FormModal>
  );
}
