import React, { type FormEvent, useMemo, useState } from 'react';
import { Button, Checkbox, Field, Input, Modal, RadioButtonGroup, TextArea, useStyles2 } from '@grafana/ui';
import type { DeadlinePolicy, Operation, OperationAction, OperationSelection, Server } from '../../api/types';
import { startOperation, useOperationDryRun } from '../../data/useOperations';
import { useDebounced } from '../../hooks/useDebounced';
import type { Refusal } from '../../utils/guard';
import { getNameStyles } from '../../utils/styles';
import { DryRunPreview } from '../DryRunPreview/DryRunPreview';
import { ForceAndRefusal } from '../RefusalAlert/RefusalAlert';
import {
  DEFAULT_OPERATION_FORM,
  type OperationField,
  type OperationForm,
  toOperationRequest,
} from './OperationModal.utils';

interface Props {
  action: OperationAction;
  selection: OperationSelection;
  /** What is selected, in words ("application shop", "backend be_web on haproxy-1"). */
  what: string;
  /** The selected servers, to name the budgets of the dry run. */
  servers: Server[];
  onStarted: (operation: Operation) => void;
  onDismiss: () => void;
}

const DEADLINE_OPTIONS: Array<{ value: DeadlinePolicy; label: string; description: string }> = [
  { value: 'fail', label: 'Report', description: 'Leave the server drained and mark it failed' },
  { value: 'maint', label: 'Maint', description: 'Cut to maintenance anyway' },
  { value: 'shutdown_sessions', label: 'Cut sessions', description: 'Shut its sessions down' },
];

/**
 * Starting a job on a selection: a rolling drain (how many at a time, a deadline for sessions to end and what then,
 * maint once they end) or a return with a ramp (weight steps and their interval). The backend's dry run for the
 * current settings is shown before the user starts it; a refusal (budget, another job) stays in the dialog.
 */
export function OperationModal({ action, selection, what, servers, onStarted, onDismiss }: Props) {
  const nameStyles = useStyles2(getNameStyles);
  const [form, setForm] = useState<OperationForm>(DEFAULT_OPERATION_FORM);
  const [invalid, setInvalid] = useState<{ field: OperationField; problem: string }>();
  const [refused, setRefused] = useState<Refusal>();
  const [sending, setSending] = useState(false);
  const change = (changes: Partial<OperationForm>) => {
    setForm((f) => ({ ...f, ...changes }));
    setInvalid(undefined);
  };
  const checked = useMemo(() => toOperationRequest(form, action, selection), [form, action, selection]);
  // The dry run follows the settings once typing pauses; the reason and force do not change what it says.
  const toPreview = useMemo(
    () => ('request' in checked ? { ...checked.request, reason: undefined, force: undefined } : undefined),
    [checked]
  );
  const previewed = useDebounced(toPreview, 400);
  const dryRun = useOperationDryRun(previewed);
  const offerForce = dryRun.data?.servers.some((s) => s.would === 'refuse') ?? false;
  const forceShown = offerForce || refused?.budget !== undefined;
  const title = action === 'drain' ? `Rolling drain of ${what}` : `Return ${what} with a ramp`;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    // A force the dialog no longer shows (its dry run since failed or is still asked) is not sent: the job would
    // pass budgets the dialog says are checked.
    const sent = toOperationRequest({ ...form, force: form.force && forceShown }, action, selection);
    if ('field' in sent) {
      setInvalid(sent);
      return;
    }
    setSending(true);
    setRefused(undefined);
    const result = await startOperation(sent.request);
    setSending(false);
    if ('operation' in result) {
      onStarted(result.operation);
    } else {
      setRefused(result.refusal);
    }
  };
  const error = (field: OperationField) => (invalid?.field === field ? { invalid: true, error: invalid.problem } : {});

  return (
    <Modal className={nameStyles.names} title={title} isOpen onDismiss={onDismiss}>
      <form onSubmit={submit} aria-label={title} noValidate>
        <Field
          label="Servers at a time"
          description="The job takes out this many, waits, then the next"
          {...error('maxParallel')}
        >
          <Input
            id="op-max-parallel"
            width={12}
            value={form.maxParallel}
            onChange={(e) => change({ maxParallel: e.currentTarget.value })}
          />
        </Field>
        {action === 'drain' ? (
          <>
            <Field
              label="Deadline (minutes)"
              description="How long sessions may take to end; empty for no deadline"
              {...error('deadlineMin')}
            >
              <Input
                id="op-deadline"
                width={12}
                value={form.deadlineMin}
                onChange={(e) => change({ deadlineMin: e.currentTarget.value })}
              />
            </Field>
            <Field label="When the deadline passes">
              <RadioButtonGroup<DeadlinePolicy>
                options={DEADLINE_OPTIONS}
                value={form.onDeadline}
                onChange={(onDeadline) => change({ onDeadline })}
              />
            </Field>
            <Field>
              <Checkbox
                label="Maintenance once sessions end"
                value={form.thenMaint}
                onChange={(e) => change({ thenMaint: e.currentTarget.checked })}
              />
            </Field>
          </>
        ) : (
          <>
            <Field
              label="Weight steps (% of the configured weight)"
              description="Rising, ending at 100"
              {...error('steps')}
            >
              <Input id="op-steps" value={form.steps} onChange={(e) => change({ steps: e.currentTarget.value })} />
            </Field>
            <Field label="Seconds between steps" {...error('intervalS')}>
              <Input
                id="op-interval"
                width={12}
                value={form.intervalS}
                onChange={(e) => change({ intervalS: e.currentTarget.value })}
              />
            </Field>
          </>
        )}
        <Field label="Reason" description="Kept with the job and in the audit log" {...error('reason')}>
          <TextArea
            id="op-reason"
            rows={2}
            value={form.reason}
            onChange={(e) => change({ reason: e.currentTarget.value })}
          />
        </Field>
        {previewed && <DryRunPreview dryRun={dryRun} servers={servers} />}
        <ForceAndRefusal
          offered={offerForce}
          force={form.force}
          onForceChange={(force) => change({ force })}
          refused={refused}
          what="job"
        />
        <Modal.ButtonRow>
          <Button variant="secondary" fill="outline" type="button" onClick={onDismiss}>
            Cancel
          </Button>
          <Button type="submit" disabled={sending} icon={sending ? 'spinner' : undefined}>
            {action === 'drain' ? 'Start rolling drain' : 'Start return'}
          </Button>
        </Modal.ButtonRow>
      </form>
    </Modal>
  );
}
