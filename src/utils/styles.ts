import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';

/** A page's own actions (Register host, Create application), above its content on the right. */
export const getToolbarStyles = (theme: GrafanaTheme2) => ({
  toolbar: css({
    display: 'flex',
    justifyContent: 'flex-end',
    gap: theme.spacing(1),
    marginBottom: theme.spacing(2),
  }),
});
