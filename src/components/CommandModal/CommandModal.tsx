import React, { type FormEvent, useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Button, Field, Input, Modal, RadioButtonGroup, TextArea, useStyles2 } from '@grafana/ui';
import type { CommandOptions, ServerCommand } from '../../api/types';
import { formatCount } from '../../utils/format';
import type { Refusal } from '../../utils/guard';
import { ForceAndRefusal } from '../RefusalAlert/RefusalAlert';
import {
  type CommandForm,
  EMPTY_FORM,
  type FormField,
  REASON_MAX,
  takesWindow,
  toCommandOptions,
  WINDOW_CHOICES,
  WINDOW_LABELS,
  type WindowChoice,
} from './CommandModal.utils';

interface Props {
  title: string;
  command: ServerCommand;
  confirmText: string;
  /** Sends the command; resolves to the backend's refusal (a 400, a budget's 409) when it kept the dialog open. */
  onConfirm: (options: CommandOptions) => Promise<Refusal | undefined>;
  onDismiss: () => void;
  /** What the command does, to which servers. */
  children: React.ReactNode;
  /** The dry run's answer, shown before the user confirms. */
  preview?: React.ReactNode;
  /** Offer to force past a budget before any refusal (the dry run said some would be refused). */
  offerForce?: boolean;
}

const WINDOW_OPTIONS = WINDOW_CHOICES.map((value) => ({ value, label: WINDOW_LABELS[value] }));

/**
 * The confirmation of a command, with an optional reason and, for drain and maint, an optional maintenance
 * window. A refusal of the backend is shown in the dialog, which keeps what was typed.
 */
export function CommandModal({
  title,
  command,
  confirmText,
  onConfirm,
  onDismiss,
  children,
  preview,
  offerForce = false,
}: Props) {
  const styles = useStyles2(getStyles);
  const [form, setForm] = useState<CommandForm>(EMPTY_FORM);
  const [invalid, setInvalid] = useState<{ field: FormField; problem: string }>();
  const [refused, setRefused] = useState<Refusal>();
  const [sending, setSending] = useState(false);
  const change = (changes: Partial<CommandForm>) => {
    setForm((f) => ({ ...f, ...changes }));
    setInvalid(undefined);
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const checked = toCommandOptions(form, command);
    if ('field' in checked) {
      setInvalid(checked);
      return;
    }
    setSending(true);
    setRefused(undefined);
    const refusal = await onConfirm(checked.options);
    // Otherwise the caller closes the dialog.
    if (refusal !== undefined) {
      setRefused(refusal);
      setSending(false);
    }
  };

  const reasonLength = form.reason.trim().length;
  return (
    <Modal title={title} isOpen onDismiss={onDismiss}>
      <form onSubmit={submit} aria-label={title} noValidate>
        {children}
        {preview}
        <Field
          label="Reason"
          description="Optional: a ticket or a few words, kept in the audit log and shown on the server"
          invalid={invalid?.field === 'reason'}
          error={invalid?.field === 'reason' ? invalid.problem : undefined}
        >
          <TextArea
            id="command-reason"
            rows={2}
            value={form.reason}
            onChange={(e) => change({ reason: e.currentTarget.value })}
          />
        </Field>
        <div className={reasonLength > REASON_MAX ? styles.overLimit : styles.counter} aria-live="polite">
          {formatCount(reasonLength)} / {formatCount(REASON_MAX)} characters
        </div>
        {takesWindow(command) && (
          <Field label="Maintenance window" description="At its end the server returns to ready by itself">
            <RadioButtonGroup<WindowChoice>
              options={WINDOW_OPTIONS}
              value={form.window}
              onChange={(window) => change({ window })}
            />
          </Field>
        )}
        {takesWindow(command) && form.window === 'until' && (
          <Field
            label="Window ends at"
            invalid={invalid?.field === 'until'}
            error={invalid?.field === 'until' ? invalid.problem : undefined}
          >
            <Input
              id="command-until"
              type="datetime-local"
              width={28}
              value={form.until}
              onChange={(e) => change({ until: e.currentTarget.value })}
            />
          </Field>
        )}
        <ForceAndRefusal
          offered={offerForce}
          force={form.force}
          onForceChange={(force) => change({ force })}
          refused={refused}
          what="command"
        />
        <Modal.ButtonRow>
          <Button variant="secondary" fill="outline" type="button" onClick={onDismiss}>
            Cancel
          </Button>
          <Button
            type="submit"
            variant={command === 'maint' ? 'destructive' : 'primary'}
            disabled={sending}
            icon={sending ? 'spinner' : undefined}
          >
            {confirmText}
          </Button>
        </Modal.ButtonRow>
      </form>
    </Modal>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  counter: css({
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
    marginTop: theme.spacing(-1.5),
    marginBottom: theme.spacing(2),
  }),
  overLimit: css({
    color: theme.colors.error.text,
    fontSize: theme.typography.bodySmall.fontSize,
    marginTop: theme.spacing(-1.5),
    marginBottom: theme.spacing(2),
  }),
});
