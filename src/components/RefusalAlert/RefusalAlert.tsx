import React from 'react';
import { Alert, Checkbox, Field } from '@grafana/ui';
import { budgetScopeName, type Refusal } from '../../utils/guard';
import { formatCount, formatPlural } from '../../utils/format';

interface Props {
  refusal: Refusal;
  /** The application's name, when the refusing budget is an application's. */
  applicationName?: string | null;
}

/**
 * The backend's refusal of a command, in words: for a disruption budget, which one, how many servers are available
 * against its minimum, and which servers it kept in; otherwise the backend's message.
 */
export function RefusalAlert({ refusal, applicationName }: Props) {
  const { budget, refused = [] } = refusal;
  if (!budget) {
    return (
      <Alert severity="error" title="Not sent: the backend refused it">
        {refusal.message}
      </Alert>
    );
  }
  const scope = budgetScopeName(budget, applicationName);
  return (
    <Alert severity="error" title={`Refused by the disruption budget of ${scope}`}>
      <p>
        {formatPlural(budget.available, 'server')} available, minimum {formatCount(budget.min_available)}: taking out{' '}
        {refused.length > 0 ? refused.map((r) => r.name).join(', ') : 'these servers'} would leave fewer than{' '}
        {formatCount(budget.min_available)} in service, so {refused.length === 1 ? 'it was' : 'they were'} kept in.
      </p>
      <p>{refusal.message}</p>
    </Alert>
  );
}

interface ForceProps {
  /** Offered when the dry run or a refusal says a budget is in the way. */
  offered: boolean;
  force: boolean;
  onForceChange: (force: boolean) => void;
  refused?: Refusal;
  /** "command" or "job": what the audit log marks as forced. */
  what: string;
}

/** The "force past the budget" choice (it needs a reason) and the backend's last refusal, under a confirmation. */
export function ForceAndRefusal({ offered, force, onForceChange, refused, what }: ForceProps) {
  return (
    <>
      {(offered || refused?.budget) && (
        <Field description={`Only with a reason: the audit log marks the ${what} as forced`}>
          <Checkbox
            label="Force past the disruption budget"
            value={force}
            onChange={(e) => onForceChange(e.currentTarget.checked)}
          />
        </Field>
      )}
      {refused && <RefusalAlert refusal={refused} />}
    </>
  );
}
