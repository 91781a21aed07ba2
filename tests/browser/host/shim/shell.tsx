import React, { createContext, useContext, useEffect, useLayoutEffect, useState } from 'react';
import { Router, useLocation } from 'react-router-dom';
import { css, cx } from '@emotion/css';
import { AppEvents, type EventBus, type GrafanaTheme2, type NavModelItem, type PluginMeta } from '@grafana/data';
import { locationService, type PluginPageProps } from '@grafana/runtime';
import { Alert, Badge, Icon, Stack, Text, useStyles2 } from '@grafana/ui';

export interface HostUser {
  login: string;
  name: string;
  orgRole: 'Viewer' | 'Editor' | 'Admin';
  isGrafanaAdmin: boolean;
}

/** react-router v6 driven by @grafana/runtime's locationService (a `history` v4 object), as Grafana does. */
export function GrafanaRouter({ children }: { children: React.ReactNode }) {
  const history = locationService.getHistory();
  const [state, setState] = useState<{ location: typeof history.location; action: string }>({
    location: history.location,
    action: history.action,
  });
  useLayoutEffect(
    () => history.listen((location: typeof history.location, action: string) => setState({ location, action })),
    [history]
  );
  return (
    <Router
      location={state.location}
      navigationType={state.action as never}
      navigator={history as unknown as React.ComponentProps<typeof Router>['navigator']}
    >
      {children}
    </Router>
  );
}

/** Grafana's interceptLinkClicks: a plain <a href="/..."> without target navigates in-app, not by reloading. */
export function interceptLinkClicks(e: MouseEvent) {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) {
    return;
  }
  const anchor = e.target instanceof Element ? e.target.closest('a') : null;
  if (!anchor) {
    return;
  }
  let href = anchor.getAttribute('href');
  if (!href || anchor.getAttribute('target')) {
    return;
  }
  if (href.startsWith(window.location.origin)) {
    href = href.slice(window.location.origin.length);
  }
  if (href.includes('://') || href.startsWith('mailto:') || href.startsWith('#')) {
    return;
  }
  e.preventDefault();
  locationService.push(href.startsWith('/') ? href : `/${href}`);
}

// ---------------------------------------------------------------------------------------------------------------
// Chrome: top bar with breadcrumbs, docked nav menu, page header (what Grafana's PluginPage renders).

interface NavState {
  meta: PluginMeta;
  user: HostUser;
  pageNav?: NavModelItem;
  setPageNav: (nav?: NavModelItem) => void;
}

const NavContext = createContext<NavState | undefined>(undefined);

interface NavLink {
  text: string;
  url: string;
  icon?: string;
}

function appPages(meta: PluginMeta): NavLink[] {
  return (meta.includes ?? [])
    .filter((i) => i.type === 'page' && i.addToNav && i.path)
    .map((i) => ({ text: i.name, url: i.path!.replace('%PLUGIN_ID%', meta.id), icon: i.icon }));
}

function currentPage(meta: PluginMeta, pathname: string): NavLink | undefined {
  return appPages(meta)
    .filter((p) => pathname === p.url || pathname.startsWith(`${p.url}/`))
    .sort((a, b) => b.url.length - a.url.length)[0];
}

export function Shell({ meta, user, children }: { meta: PluginMeta; user: HostUser; children: React.ReactNode }) {
  const styles = useStyles2(getStyles);
  const [pageNav, setPageNav] = useState<NavModelItem>();
  const { pathname } = useLocation();
  const page = currentPage(meta, pathname);
  // Grafana's breadcrumbs: an app page sits under Apps, the plugin's config page under Administration.
  const crumbs: NavLink[] = pathname.startsWith('/connections/')
    ? [
        { text: 'Home', url: '/' },
        { text: 'Connections', url: '/connections' },
        { text: 'Data sources', url: '/connections/datasources' },
        ...(pageNav ? [{ text: pageNav.text, url: pathname }] : []),
      ]
    : pathname === '/explore'
      ? [
          { text: 'Home', url: '/' },
          { text: 'Explore', url: pathname },
        ]
      : pathname.startsWith('/plugins/')
        ? [
            { text: 'Home', url: '/' },
            { text: 'Administration', url: '/admin' },
            { text: 'Plugins and data', url: '/admin/plugins' },
            { text: 'Plugins', url: '/plugins' },
            { text: meta.name, url: pathname },
          ]
        : [
            { text: 'Home', url: '/' },
            { text: 'Apps', url: '/apps' },
            { text: meta.name, url: `/a/${meta.id}` },
            ...(page ? [page] : []),
            ...(pageNav ? [{ text: pageNav.text, url: pathname }] : []),
          ];
  return (
    <NavContext.Provider value={{ meta, user, pageNav, setPageNav }}>
      <div className={styles.app}>
        <header className={styles.topBar}>
          <Icon name="grafana" size="lg" className={styles.logo} />
          <nav aria-label="Breadcrumbs" className={styles.breadcrumbs}>
            {crumbs.map((c, i) => (
              <span key={`${c.url}-${i}`} className={styles.crumb}>
                {i > 0 && <Icon name="angle-right" className={styles.separator} />}
                {i === crumbs.length - 1 ? (
                  <span aria-current="page" className={styles.crumbCurrent}>
                    {c.text}
                  </span>
                ) : (
                  <a href={c.url} className={styles.crumbLink}>
                    {c.text}
                  </a>
                )}
              </span>
            ))}
          </nav>
          <div className={styles.user} aria-label="Signed-in user">
            <Icon name="user" />
            <span>{user.login}</span>
            <Badge
              color={user.orgRole === 'Admin' ? 'orange' : user.orgRole === 'Editor' ? 'blue' : 'darkgrey'}
              text={user.orgRole}
            />
          </div>
        </header>
        <div className={styles.body}>
          <nav className={styles.menu} aria-label="Navigation">
            <a className={styles.menuItem} href="/">
              <Icon name="home-alt" /> Home
            </a>
            <div className={styles.menuSection}>
              <Icon name="apps" /> Apps
            </div>
            <div className={styles.menuApp}>
              <img src={meta.info.logos.small} alt="" width={16} height={16} /> {meta.name}
            </div>
            {appPages(meta).map((p) => (
              <a
                key={p.url}
                href={p.url}
                className={cx(styles.menuItem, styles.menuChild, page?.url === p.url && styles.menuActive)}
                aria-current={page?.url === p.url ? 'page' : undefined}
              >
                {p.text}
              </a>
            ))}
          </nav>
          <main className={styles.main}>{children}</main>
        </div>
      </div>
    </NavContext.Provider>
  );
}

/** Grafana's PluginPage: the page title (the nav item, or pageNav), subtitle, actions, then the content. */
export function HostPluginPage({ children, pageNav, subTitle, actions, info }: PluginPageProps) {
  const styles = useStyles2(getStyles);
  const nav = useContext(NavContext);
  const { pathname } = useLocation();
  const setPageNav = nav?.setPageNav;
  useEffect(() => {
    setPageNav?.(pageNav);
    return () => setPageNav?.(undefined);
  }, [pageNav?.text, setPageNav]); // eslint-disable-line react-hooks/exhaustive-deps
  const page = nav ? currentPage(nav.meta, pathname) : undefined;
  const title = pageNav?.text ?? page?.text ?? nav?.meta.name ?? '';
  return (
    <div className={styles.page}>
      <div className={styles.pageHeader}>
        <Stack justifyContent="space-between" alignItems="flex-start">
          <div>
            <h1 className={styles.title}>{title}</h1>
            {info && (
              <Stack gap={2}>
                {info.map((i) => (
                  <Text key={i.label} color="secondary">
                    {i.label}: {i.value}
                  </Text>
                ))}
              </Stack>
            )}
            {subTitle && <div className={styles.subTitle}>{subTitle}</div>}
          </div>
          {actions && <Stack gap={1}>{actions}</Stack>}
        </Stack>
      </div>
      <div className={styles.pageContent}>{children}</div>
    </div>
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Toasts (Grafana's AppNotificationList): alert-success / alert-warning / alert-error app events.

interface Toast {
  id: number;
  severity: 'success' | 'warning' | 'error';
  title: string;
  text?: string;
}

const TIMEOUTS = { success: 3000, warning: 5000, error: 7000 };

export function Toasts({ events }: { events: EventBus }) {
  const styles = useStyles2(getStyles);
  const [toasts, setToasts] = useState<Toast[]>([]);
  useEffect(() => {
    let next = 1;
    const subs = (
      [
        [AppEvents.alertSuccess.name, 'success'],
        [AppEvents.alertWarning.name, 'warning'],
        [AppEvents.alertError.name, 'error'],
      ] as const
    ).map(([type, severity]) =>
      events.getStream({ type } as never).subscribe((event: { payload?: unknown }) => {
        const payload = (Array.isArray(event.payload) ? event.payload : [event.payload]) as unknown[];
        const toast: Toast = {
          id: next++,
          severity,
          title: String(payload[0] ?? ''),
          text: payload[1] === undefined ? undefined : String(payload[1]),
        };
        setToasts((t) => [...t, toast]);
        setTimeout(() => setToasts((t) => t.filter((x) => x.id !== toast.id)), TIMEOUTS[severity]);
      })
    );
    return () => subs.forEach((s) => s.unsubscribe());
  }, [events]);
  return (
    <div className={styles.toasts} aria-label="Notifications">
      {toasts.map((t) => (
        <Alert
          key={t.id}
          severity={t.severity}
          title={t.title}
          elevated
          onRemove={() => setToasts((all) => all.filter((x) => x.id !== t.id))}
        >
          {t.text}
        </Alert>
      ))}
    </div>
  );
}

const MENU_WIDTH = 300;

const getStyles = (theme: GrafanaTheme2) => ({
  app: css({
    display: 'flex',
    flexDirection: 'column',
    minHeight: '100vh',
    background: theme.colors.background.primary,
  }),
  topBar: css({
    height: theme.spacing(5),
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(2),
    padding: theme.spacing(0, 2),
    background: theme.colors.background.primary,
    borderBottom: `1px solid ${theme.colors.border.weak}`,
    position: 'sticky',
    top: 0,
    zIndex: theme.zIndex.navbarFixed,
  }),
  logo: css({ color: theme.colors.text.primary }),
  breadcrumbs: css({
    display: 'flex',
    alignItems: 'center',
    flex: 1,
    minWidth: 0,
    fontSize: theme.typography.bodySmall.fontSize,
  }),
  crumb: css({ display: 'flex', alignItems: 'center', whiteSpace: 'nowrap' }),
  separator: css({ color: theme.colors.text.secondary, margin: theme.spacing(0, 0.5) }),
  crumbLink: css({
    color: theme.colors.text.secondary,
    '&:hover': { color: theme.colors.text.primary, textDecoration: 'underline' },
  }),
  crumbCurrent: css({ color: theme.colors.text.primary }),
  user: css({ display: 'flex', alignItems: 'center', gap: theme.spacing(1), color: theme.colors.text.secondary }),
  body: css({ display: 'flex', flex: 1, minHeight: 0 }),
  menu: css({
    width: MENU_WIDTH,
    flexShrink: 0,
    padding: theme.spacing(1, 0),
    background: theme.colors.background.primary,
    borderRight: `1px solid ${theme.colors.border.weak}`,
    display: 'flex',
    flexDirection: 'column',
  }),
  menuItem: css({
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(1.5),
    padding: theme.spacing(0.75, 2),
    color: theme.colors.text.secondary,
    position: 'relative',
    '&:hover': { color: theme.colors.text.primary, background: theme.colors.action.hover },
  }),
  menuSection: css({
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(1.5),
    padding: theme.spacing(0.75, 2),
    color: theme.colors.text.primary,
  }),
  menuApp: css({
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(1),
    padding: theme.spacing(0.75, 2, 0.75, 5),
    color: theme.colors.text.primary,
  }),
  menuChild: css({ paddingLeft: theme.spacing(7.5) }),
  menuActive: css({
    color: theme.colors.text.primary,
    background: theme.colors.action.selected,
    '&::before': {
      content: '""',
      position: 'absolute',
      left: theme.spacing(4.5),
      top: theme.spacing(0.5),
      bottom: theme.spacing(0.5),
      width: theme.spacing(0.5),
      borderRadius: theme.shape.radius.default,
      backgroundImage: theme.colors.gradients.brandVertical,
    },
  }),
  main: css({ flex: 1, minWidth: 0, overflow: 'auto' }),
  page: css({ padding: theme.spacing(2, 4, 4) }),
  pageHeader: css({ marginBottom: theme.spacing(3) }),
  title: css({ ...theme.typography.h2, margin: theme.spacing(1, 0) }),
  subTitle: css({ color: theme.colors.text.secondary }),
  pageContent: css({ display: 'flex', flexDirection: 'column' }),
  toasts: css({
    position: 'fixed',
    top: theme.spacing(8),
    right: theme.spacing(2),
    width: 500,
    zIndex: theme.zIndex.portal,
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(1),
  }),
});
