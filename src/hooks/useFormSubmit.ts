import { useCallback, useState } from 'react';
import { type FormErrors, formErrorsOf } from '../utils/formErrors';

/**
 * A form's submit: while it runs, and what the backend refused, placed under the form's fields. The values stay
 * in the form's own state whatever happens, so nothing typed is lost on an error.
 */
export function useFormSubmit<F extends string>(fields: readonly F[]) {
  const [errors, setErrors] = useState<FormErrors<F>>({ fields: {} });
  const [saving, setSaving] = useState(false);
  const submit = useCallback(
    async (work: () => Promise<unknown>): Promise<boolean> => {
      setSaving(true);
      setErrors({ fields: {} });
      try {
        await work();
        return true;
      } catch (err) {
        setErrors(formErrorsOf(err, fields));
        return false;
      } finally {
        setSaving(false);
      }
    },
    [fields]
  );
  return { errors, saving, submit };
}
