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

/**
 * Text holding names (hosts, applications, instances, backends, servers): operators name them, HAProxy without a
 * length limit and often without a space (`very_long_backend_name`), so a long one breaks anywhere rather than
 * widening its table past the page. Set on the cell or the element holding the name, not on a whole table (short
 * words of other columns would break too); on a dialog or a card, whose title names it, so its close button and
 * actions stay on screen.
 */
export const getNameStyles = () => ({
  names: css({ overflowWrap: 'anywhere' }),
});
