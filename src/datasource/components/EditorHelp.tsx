import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';

/** A line of secondary text under an editor's fields. */
export function EditorHelp({ children }: { children: React.ReactNode }) {
  const styles = useStyles2(getStyles);
  return <div className={styles.help}>{children}</div>;
}

const getStyles = (theme: GrafanaTheme2) => ({
  help: css({
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
    marginTop: theme.spacing(0.5),
  }),
});
