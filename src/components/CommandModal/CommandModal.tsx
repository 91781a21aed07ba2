import React, { type FormEvent, useMemo, useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Button, Field, Input, Modal, RadioButtonGroup, TextArea, useStyles2 } from '@grafana/ui';
import type { AgentCommand, CommandOptions, Server } from '../../api/types';
import { useCommandDryRun } from '../../data/useDryRun';
import { formatCount } from '../../utils/format';
import { getNameStyles } from '../../utils/styles';
import type { Refusal } from '../../utils/guard';
import { DryRunPreview } from '../DryRunPreview/DryRunPreview';
import { ForceAndRefusal } from '../RefusalAlert/RefusalAlert';
import {
  type CommandForm,
  EMPTY_FORM,
  type FormField,
  MAX_WEIGHT,
  MAX_WEIGHT_PERCENT,
  parseWeight,
  REASON_MAX,
  takesWindow,
  toCommandOptions,
  WINDOW_CHOICES,
  WINDOW_LABELS,
  type WindowChoice,
} from './CommandModal.utils';

interface Props {
  title: string;
  command: AgentCommand;
  confirmText: string;
  /** Sends the command; resolves to the backend's refusal (a 400, a budget's 409) when it kept the dialog open. */
  onConfirm: (options: CommandOptions) => Promise<Refusal | undefined>;
  onDismiss: () => void;
  /** What the command does, to which servers. */
  children: React.ReactNode;
  /**
   * The servers the command goes to: when it would take them out (a weight as typed), the backend's dry run for
   * them is shown before the user confirms, and a refusal it foresees offers to force. None: no dry run.
   */
  dryRunServers?: Server[];
}

const NO_SERVERS: Server[] = [];

const WINDOW_OPTIONS = WINDOW_CHOICES.map((value) => ({ value, label: WINDOW_LABELS[value] }));

/**
 * The confirmation of a command, with the weight command's value, an optional reason and, for drain and maint, an
 * optional maintenance window. A refusal of the backend is shown in the dialog, which keeps what was typed.
 */
export function CommandModal({
  title,
  command,
  confirmText,
  onConfirm,
  onDismiss,
  children,
  dryRunServers = NO_SERVERS,
}: Props) {
  const styles = useStyles2(getStyles);
  const nameStyles = useStyles2(getNameStyles);
  const [form, setForm] = useState<CommandForm>(EMPTY_FORM);
  const [invalid, setInvalid] = useState<{ field: FormField; problem: string }>();
  const [refused, setRefused] = useState<Refusal>();
  const [sending, setSending] = useState(false);
  const change = (changes: Partial<CommandForm>) => {
    setForm((f) => ({ ...f, ...changes }));
    setInvalid(undefined);
  };
  // A weight takes the server out only at 0: the dry run follows what is typed.
  const typedWeight = command === 'weight' ? parseWeight(form.weight) : undefined;
  const weight = typedWeight && 'weight' in typedWeight ? typedWeight.weight : undefined;
  const dryRun = useCommandDryRun(
    useMemo(() => dryRunServers.map((s) => s.id), [dryRunServers]),
    command,
    weight
  );
  const offerForce = (dryRun.enabled && dryRun.data?.servers.some((s) => s.would === 'refuse')) ?? false;
  const forceShown = offerForce || refused?.budget !== undefined;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    // A force the dialog no longer offers (the weight typed since takes nothing out) is not sent.
    const checked = toCommandOptions({ ...form, force: form.force && forceShown }, command);
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
      // The budgets moved since the dry run was read: the preview says what they are now, as the refusal does.
      if (refusal.budget && dryRun.enabled) {
        dryRun.reload();
      }
    }
  };

  const reasonLength = form.reason.trim().length;
  return (
    <Modal className={nameStyles.names} title={title} isOpen onDismiss={onDismiss}>
      <form onSubmit={submit} aria-label={title} noValidate>
        {children}
        {command === 'weight' && (
          <Field
            label="New weight"
            description={`0 to ${MAX_WEIGHT}, or a percentage of the configured weight (0% to ${MAX_WEIGHT_PERCENT}%); 0 takes it out of rotation`}
            invalid={invalid?.field === 'weight'}
            error={invalid?.field === 'weight' ? invalid.problem : undefined}
          >
            <Input
              id="command-weight"
              width={16}
              placeholder="50 or 50%"
              value={form.weight}
              onChange={(e) => change({ weight: e.currentTarget.value })}
            />
          </Field>
        )}
        {dryRun.enabled && <DryRunPreview dryRun={dryRun} servers={dryRunServers} />}
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
            variant={command === 'maint' || command === 'shutdown-sessions' ? 'destructive' : 'primary'}
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
