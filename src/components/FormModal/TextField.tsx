import React, { type ChangeEvent } from 'react';
import { Field, Input } from '@grafana/ui';

interface Props {
  id: string;
  label: string;
  description: string;
  /** The backend's refusal of this field, if any. */
  error?: string;
  value: string;
  placeholder?: string;
  onChange: (value: string) => void;
}

/** A form's text field, with the backend's message under it when it refused the value. */
export function TextField({ id, label, description, error, value, placeholder, onChange }: Props) {
  return (
    <Field label={label} description={description} invalid={!!error} error={error}>
      <Input
        id={id}
        value={value}
        placeholder={placeholder}
        onChange={(e: ChangeEvent<HTMLInputElement>) => onChange(e.currentTarget.value)}
      />
    </Field>
  );
}
