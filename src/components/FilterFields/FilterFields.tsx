import React, { useState } from 'react';
import type { SelectableValue } from '@grafana/data';
import { Field, Input, Select } from '@grafana/ui';
import { RANGE_KEYS, type RangeKey } from '../ActionFilters/ActionFilters.utils';

/** The fields the log pages' filter bars share (the audit log, the change log), each a labelled field. */

interface ChoiceProps<T> {
  /** The select's input id (its label points at it). */
  id: string;
  label: string;
  width: number;
  options: Array<SelectableValue<T>>;
  value: T | undefined;
  onChange: (value: T | undefined) => void;
}

/** One value or any (cleared). */
export function ChoiceFilter<T>({ id, label, width, options, value, onChange }: ChoiceProps<T>) {
  return (
    <Field label={label} noMargin>
      <Select<T>
        inputId={id}
        aria-label={label}
        width={width}
        options={options}
        value={value ?? null}
        onChange={(v) => onChange(v?.value)}
        placeholder="Any"
        isClearable
      />
    </Field>
  );
}

const RANGE_OPTIONS: Array<SelectableValue<RangeKey>> = RANGE_KEYS.map((r) => ({
  label: r === 'all' ? 'All time' : `Last ${r}`,
  value: r,
}));

/** How far back: always one of RANGE_KEYS. */
export function RangeFilter({ id, value, onChange }: { id: string; value: RangeKey; onChange: (r: RangeKey) => void }) {
  return (
    <Field label="Time range" noMargin>
      <Select
        inputId={id}
        aria-label="Time range"
        width={16}
        options={RANGE_OPTIONS}
        value={value}
        onChange={(v) => v?.value && onChange(v.value)}
      />
    </Field>
  );
}

/** The exact actor, applied on Enter or when the field is left (not on every key). */
export function ActorFilter({
  value,
  placeholder,
  onChange,
}: {
  value: string | undefined;
  placeholder: string;
  onChange: (actor: string) => void;
}) {
  const [text, setText] = useState(value ?? '');
  // The URL's actor wins when it changes (a link, Back): the field never shows a filter that is not applied.
  const [applied, setApplied] = useState(value);
  if (applied !== value) {
    setApplied(value);
    setText(value ?? '');
  }
  const set = (typed: string) => onChange(typed.trim());
  return (
    <Field label="Actor" noMargin>
      <Input
        aria-label="Actor"
        width={24}
        placeholder={placeholder}
        value={text}
        onChange={(e) => setText(e.currentTarget.value)}
        onBlur={(e) => set(e.currentTarget.value)}
        onKeyDown={(e) => e.key === 'Enter' && set(e.currentTarget.value)}
      />
    </Field>
  );
}
