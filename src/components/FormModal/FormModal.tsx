import React, { type FormEvent } from 'react';
import { Alert, Button, Modal, useStyles2 } from '@grafana/ui';
import { getNameStyles } from '../../utils/styles';

interface Props {
  title: string;
  /** Names the form for assistive technology and tests. */
  formName: string;
  submitLabel: string;
  saving: boolean;
  /** Nothing to send (no change yet): the submit button waits. */
  canSubmit?: boolean;
  /** What the backend refused that no field of the form shows. */
  error?: string;
  onSubmit: () => void;
  onDismiss: () => void;
  children: React.ReactNode;
  /** Buttons beside Cancel and submit (e.g. "Test agent"). */
  extraButtons?: React.ReactNode;
}

/** A modal form: its fields, the backend's refusal above the buttons, Cancel and submit. */
export function FormModal({
  title,
  formName,
  submitLabel,
  saving,
  canSubmit = true,
  error,
  onSubmit,
  onDismiss,
  children,
  extraButtons,
}: Props) {
  const nameStyles = useStyles2(getNameStyles);
  const handle = (event: FormEvent) => {
    event.preventDefault();
    if (canSubmit && !saving) {
      onSubmit();
    }
  };
  return (
    <Modal className={nameStyles.names} title={title} isOpen onDismiss={onDismiss}>
      <form aria-label={formName} onSubmit={handle} noValidate>
        {children}
        {error && (
          <Alert severity="error" title="Not saved">
            {error}
          </Alert>
        )}
        <Modal.ButtonRow>
          {extraButtons}
          <Button variant="secondary" fill="outline" type="button" onClick={onDismiss}>
            Cancel
          </Button>
          <Button type="submit" disabled={!canSubmit || saving} icon={saving ? 'spinner' : undefined}>
            {submitLabel}
          </Button>
        </Modal.ButtonRow>
      </form>
    </Modal>
  );
}
