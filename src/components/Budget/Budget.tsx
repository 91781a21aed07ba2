import React, { useState } from 'react';
import { Badge, Button, Field, Input, Stack, Text } from '@grafana/ui';
import { asApiError } from '../../api/errors';
import type { Budget, MinAvailable } from '../../api/types';
import { changeBudget } from '../../data/budgets';
import { budgetNumbers } from '../../utils/guard';
import { notifySuccess } from '../../utils/notify';

/** A budget's numbers with its state: "ok" in the theme's success colour, "below" in its error colour. */
export function BudgetSummary({ budget, label }: { budget: Budget; label: string }) {
  const source = budget.source === 'default' ? ' (default)' : '';
  return (
    // A group: a plain span's aria-label is not announced.
    <span role="group" aria-label={`Budget of ${label}`}>
      <Badge color={budget.ok ? 'green' : 'red'} text={budget.ok ? 'ok' : 'below minimum'} />{' '}
      <Text variant="bodySmall">
        {budgetNumbers(budget)}
        {source}
      </Text>
    </span>
  );
}

/** "5" is a count, "50%" a percentage; anything else is not a minimum. */
export function parseMinimum(text: string): MinAvailable | undefined {
  const t = text.trim();
  if (/^\d+$/.test(t)) {
    return Number(t);
  }
  return /^\d{1,3}%$/.test(t) ? t : undefined;
}

interface EditorProps {
  budget: Budget;
  label: string;
  onSaved: (budget: Budget) => void;
}

/** An Admin sets a minimum (a count or a percentage) or drops it (a backend back to the default, an application to none). */
export function BudgetEditor({ budget, label, onSaved }: EditorProps) {
  const [text, setText] = useState(budget.min_available === null ? '' : String(budget.min_available));
  const [problem, setProblem] = useState<string>();
  const [saving, setSaving] = useState(false);
  /** True when the backend took it; a refusal stays under the field with what it holds. */
  const run = async (work: () => Promise<Budget>, done: string): Promise<boolean> => {
    setSaving(true);
    setProblem(undefined);
    try {
      const saved = await work();
      notifySuccess(done, budgetNumbers(saved));
      onSaved(saved);
      return true;
    } catch (err) {
      setProblem(asApiError(err).message);
      return false;
    } finally {
      setSaving(false);
    }
  };
  const save = () => {
    const min = parseMinimum(text);
    if (min === undefined) {
      setProblem('A count of servers (e.g. 2) or a percentage (e.g. 50%)');
      return;
    }
    run(() => changeBudget(budget, min), `Minimum of ${label} set`);
  };
  return (
    <Stack gap={1} alignItems="flex-end">
      <Field
        label={`Minimum available of ${label}`}
        description="A count or a percentage of the servers that can serve at once (a backup server only while no active one is available); commands that would go below it are refused"
        invalid={problem !== undefined}
        error={problem}
      >
        <Input
          id={`budget-${budget.scope}-${budget.id}`}
          width={12}
          value={text}
          placeholder={budget.scope === 'backend' ? String(budget.effective_min) : 'none'}
          onChange={(e) => setText(e.currentTarget.value)}
        />
      </Field>
      <Button size="md" onClick={save} disabled={saving}>
        Save
      </Button>
      {budget.source !== 'default' && (
        <Button
          size="md"
          variant="secondary"
          disabled={saving}
          onClick={() =>
            run(() => changeBudget(budget, null), `Minimum of ${label} removed`).then((ok) => ok && setText(''))
          }
        >
          {budget.scope === 'backend' ? 'Back to the default' : 'Remove'}
        </Button>
      )}
    </Stack>
  );
}
