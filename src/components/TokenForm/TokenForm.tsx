import React, { useState } from 'react';
import {
  Alert,
  Button,
  Checkbox,
  ClipboardButton,
  Field,
  FieldSet,
  Input,
  Modal,
  RadioButtonGroup,
  useStyles2,
} from '@grafana/ui';
import type { ApiRole, ApiTokenInput, CreatedApiToken } from '../../api/types';
import { useFormSubmit } from '../../hooks/useFormSubmit';
import { formatTime } from '../../utils/format';
import { getNameStyles } from '../../utils/styles';
import { FormModal } from '../FormModal/FormModal';
import { TextField } from '../FormModal/TextField';

const FIELDS = ['name', 'role', 'grafana', 'expires_at'] as const;

const DAY_MS = 24 * 3600e3;
/** How long a new token lasts: days, or 0 for never. */
const LIFETIME_OPTIONS = [
  { label: 'Never expires', value: 0 },
  { label: '30 days', value: 30 },
  { label: '90 days', value: 90 },
  { label: '1 year', value: 365 },
];

const ROLE_OPTIONS: Array<{ label: string; value: ApiRole; description: string }> = [
  { label: 'Viewer', value: 'viewer', description: 'Reads' },
  { label: 'Operator', value: 'operator', description: 'Commands, jobs, sync and mapping, and reads' },
  { label: 'Admin', value: 'admin', description: 'Registration and tokens too' },
];

interface Props {
  onCreate: (input: ApiTokenInput) => Promise<CreatedApiToken>;
  onDismiss: () => void;
}

/** A new backend API token: its name, role and kind; then the token itself, shown this once. */
export function TokenForm({ onCreate, onDismiss }: Props) {
  const nameStyles = useStyles2(getNameStyles);
  const [name, setName] = useState('');
  const [role, setRole] = useState<ApiRole>('viewer');
  const [grafana, setGrafana] = useState(false);
  const [days, setDays] = useState(0);
  const [created, setCreated] = useState<CreatedApiToken>();
  const { errors, saving, submit } = useFormSubmit(FIELDS);
  /** The backend's refusal of one field, under it. */
  const refusal = (field: (typeof FIELDS)[number]) => ({
    invalid: !!errors.fields[field],
    error: errors.fields[field],
  });

  if (created) {
    return (
      <Modal className={nameStyles.names} title={`Token ${created.record.name} created`} isOpen onDismiss={onDismiss}>
        <Alert severity="warning" title="Copy the token now">
          Only its hash is kept: it cannot be shown again. If it is lost, revoke it and create another.
        </Alert>
        <Field
          label="Token"
          description={`Role ${created.record.role}, ${created.record.expires_at ? `expires ${formatTime(created.record.expires_at)}` : 'never expires'}; send it as Authorization: Bearer <token>`}
        >
          <Input
            aria-label="New token"
            readOnly
            value={created.token}
            addonAfter={
              <ClipboardButton icon="copy" variant="primary" getText={() => created.token}>
                Copy
              </ClipboardButton>
            }
          />
        </Field>
        <Modal.ButtonRow>
          <Button onClick={onDismiss}>Done</Button>
        </Modal.ButtonRow>
      </Modal>
    );
  }
  return (
    <FormModal
      title="Create an API token"
      formName="API token"
      submitLabel="Create token"
      saving={saving}
      canSubmit={name.trim() !== ''}
      error={errors.general}
      onSubmit={() =>
        submit(async () => {
          const expires = days > 0 ? { expires_at: new Date(Date.now() + days * DAY_MS).toISOString() } : {};
          setCreated(await onCreate({ name: name.trim(), role, grafana, ...expires }));
        })
      }
      onDismiss={onDismiss}
    >
      <FieldSet>
        <TextField
          id="token-name"
          label="Name"
          description="Who uses it, e.g. deploy-bot: the audit log names its commands token:<name>"
          error={errors.fields.name}
          value={name}
          placeholder="deploy-bot"
          onChange={setName}
        />
        <Field label="Role" {...refusal('role')}>
          <RadioButtonGroup<ApiRole> aria-label="Role" options={ROLE_OPTIONS} value={role} onChange={setRole} />
        </Field>
        <Field
          label="Expires"
          description="Refused from then on: a token for a job or a quarter should not outlive it"
          {...refusal('expires_at')}
        >
          <RadioButtonGroup<number> aria-label="Expires" options={LIFETIME_OPTIONS} value={days} onChange={setDays} />
        </Field>
        <Field
          label="For a Grafana plugin proxy"
          description="Only such a token has the Grafana user it sends (X-Grafana-User) recorded as the actor; leave it off for scripts and orchestrators"
          {...refusal('grafana')}
        >
          <Checkbox
            aria-label="For a Grafana plugin proxy"
            value={grafana}
            onChange={(e) => setGrafana(e.currentTarget.checked)}
          />
        </Field>
      </FieldSet>
    </FormModal>
  );
}
