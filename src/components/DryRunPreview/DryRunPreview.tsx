import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Alert, Badge, LoadingPlaceholder, useStyles2 } from '@grafana/ui';
import type { ApiError } from '../../api/errors';
import type { DryRun, Server } from '../../api/types';
import { formatCount, formatPlural, formatServerNames, SERVER_NAMES_SHOWN } from '../../utils/format';
import { budgetLabel, budgetNumbers } from '../../utils/guard';

interface Props {
  dryRun: { data?: DryRun; error?: ApiError; loading: boolean };
  /** The servers concerned, to name the budgets the answer lists. */
  servers: Server[];
}

/**
 * The backend's dry run, shown before the user confirms: how many servers would be taken out, which would be
 * refused (by a disruption budget, or on a deactivated instance, and why), which are skipped, and every budget as
 * it would be after.
 */
export function DryRunPreview({ dryRun, servers }: Props) {
  const styles = useStyles2(getStyles);
  if (dryRun.loading) {
    return <LoadingPlaceholder text="Asking the backend what this would do..." />;
  }
  if (dryRun.error || !dryRun.data) {
    return (
      <Alert severity="warning" title="The dry run failed">
        {dryRun.error?.message} The budgets are still checked when the command is sent.
      </Alert>
    );
  }
  const all = dryRun.data.servers;
  const takeOut = all.filter((s) => s.would === 'take_out');
  const refuse = all.filter((s) => s.would === 'refuse');
  const skip = all.filter((s) => s.would === 'skip');
  // A take-out with a reason takes out more: the servers that track it.
  const withTrackers = takeOut.filter((s) => s.reason);
  return (
    <section aria-label="Dry run" className={styles.section}>
      <h5>Dry run: what the backend would do</h5>
      <p>
        {formatPlural(takeOut.length, 'server')} would be taken out
        {/* Refused by a budget, or on a deactivated instance: the list below says which, and why. */}
        {refuse.length > 0 && `, ${formatCount(refuse.length)} refused`}
        {skip.length > 0 && `, ${formatCount(skip.length)} skipped (already in that state)`}.
      </p>
      {withTrackers.length > 0 && (
        <Alert severity="info" title="Servers that track these go out with them">
          <ul className={styles.list}>
            {withTrackers.slice(0, SERVER_NAMES_SHOWN).map((s) => (
              <li key={s.server_id}>{s.reason}</li>
            ))}
          </ul>
        </Alert>
      )}
      {refuse.length > 0 && (
        <Alert
          severity="warning"
          title={`${formatPlural(refuse.length, 'server')} would be refused: ${formatServerNames(refuse)}`}
        >
          <ul className={styles.list}>
            {refuse.slice(0, SERVER_NAMES_SHOWN).map((s) => (
              <li key={s.server_id}>
                {s.server_name}: {s.reason ?? 'below the budget'}
              </li>
            ))}
          </ul>
          Send anyway and only the others are taken out; an Editor may force past the budget with a reason.
        </Alert>
      )}
      {dryRun.data.budgets.length > 0 && (
        <ul className={styles.list} aria-label="Budgets after">
          {dryRun.data.budgets.map((b) => (
            <li key={`${b.scope}${b.id}`}>
              <Badge color={b.ok ? 'green' : 'red'} text={b.ok ? 'ok' : 'below'} /> {budgetLabel(b, servers)} after:{' '}
              {budgetNumbers(b)}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  section: css({ marginBottom: theme.spacing(2) }),
  list: css({ listStyle: 'none', margin: theme.spacing(0.5, 0), '& li': { marginBottom: theme.spacing(0.5) } }),
});
