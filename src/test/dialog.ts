import { screen, waitFor, type ByRoleOptions } from '@testing-library/react';

/**
 * A modal once it holds the focus. Grafana's Modal moves the focus into itself a frame after it opens: a click
 * or a paste into one of its fields before that would be followed by the focus moving to its first button.
 */
export async function findDialog(options?: ByRoleOptions): Promise<HTMLElement> {
  const dialog = await screen.findByRole('dialog', options);
  await waitFor(() => expect(dialog).toContainElement(document.activeElement as HTMLElement | null));
  return dialog;
}
