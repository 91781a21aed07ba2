import React, { useEffect, useMemo, useRef, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { PluginPage } from '@grafana/runtime';
import { Alert, Button, LinkButton, LoadingPlaceholder, Stack, Text, TextLink, useStyles2 } from '@grafana/ui';
import type { OperationAction, Server } from '../../api/types';
import { adminChangesHref } from '../../components/AdminChangeFilters/AdminChangeFilters.utils';
import { BudgetEditor, BudgetSummary } from '../../components/Budget/Budget';
import { ConnectionBanner, isConnectionProblem } from '../../components/ConnectionBanner/ConnectionBanner';
import { LoadError } from '../../components/LoadError/LoadError';
import { NotFound } from '../../components/NotFound/NotFound';
import { OperationCard } from '../../components/OperationCard/OperationCard';
import { OperationModal } from '../../components/OperationModal/OperationModal';
import { ServerState } from '../../components/ServerState/ServerState';
import { prefixRoute, ROUTES } from '../../constants';
import { useApplication, useApplicationServers } from '../../data/useApplications';
import { OPERATIONS_REFRESH_MS, useOperations } from '../../data/useOperations';
import { idParam } from '../../hooks/useUrlFilters';
import { formatNumber } from '../../utils/format';
import { canUserAct, canUserAdminister } from '../../utils/roles';
import { getNameStyles } from '../../utils/styles';

/** Jobs shown with an application: the queued and running ones touching any of its servers. */
const ACTIVE_JOBS_LOOKED_AT = 100;

/**
 * One application (issue 9): its servers across every instance and backend, its budget and each backend's,
 * running and queued jobs on its servers with their progress, and its actions (rolling drain, return with a ramp) that show
 * the backend's dry run before they start.
 */
function ApplicationPage() {
  const param = useParams().id;
  const id = idParam(param ?? null);
  const known = id !== undefined;
  const navigate = useNavigate();
  const canAct = canUserAct();
  const canAdmin = canUserAdminister();
  const styles = useStyles2(getNameStyles);
  const application = useApplication(id ?? 0, known);
  // Its servers' states move while one of its jobs runs: refreshed then, and not otherwise.
  const [jobActive, setJobActive] = useState(false);
  const servers = useApplicationServers(id ?? 0, jobActive ? OPERATIONS_REFRESH_MS : 0, known);
  const queued = useOperations('queued', ACTIVE_JOBS_LOOKED_AT);
  const running = useOperations('running', ACTIVE_JOBS_LOOKED_AT);
  const [starting, setStarting] = useState<OperationAction>();
  const selection = useMemo(() => ({ application_id: id ?? 0 }), [id]);

  const ids = useMemo(() => new Set((servers.data ?? []).map((s) => s.id)), [servers.data]);
  const jobs = [...(running.data?.operations ?? []), ...(queued.data?.operations ?? [])].filter((op) =>
    op.servers.some((s) => ids.has(s.server_id))
  );
  const active = jobs.length > 0;
  if (jobActive !== active) {
    setJobActive(active);
  }
  const { reload: reloadServers } = servers;
  const wasActive = useRef(false);
  useEffect(() => {
    // The last job just ended: one more look shows the states it left.
    if (wasActive.current && !active) {
      reloadServers();
    }
    wasActive.current = active;
  }, [active, reloadServers]);
  const reloadJobs = () => {
    queued.reload();
    running.reload();
  };
  const byBackend = useMemo(() => {
    const groups = new Map<number, Server[]>();
    for (const s of servers.data ?? []) {
      groups.set(s.backend_id, [...(groups.get(s.backend_id) ?? []), s]);
    }
    return groups;
  }, [servers.data]);

  const error = application.error ?? servers.error;
  const jobsError = running.error ?? queued.error;
  const connectionError = [error, jobsError].find(isConnectionProblem);
  if (connectionError) {
    return (
      <PluginPage>
        <ConnectionBanner
          error={connectionError}
          onRetry={() => {
            application.reload();
            servers.reload();
            reloadJobs();
          }}
        />
      </PluginPage>
    );
  }
  // An id no application can have (a mistyped link) says so, as a deleted one does, not the backend's 400.
  if (!known || application.error?.kind === 'not_found') {
    return (
      <NotFound
        what="application"
        id={param}
        back={
          <TextLink href={prefixRoute(ROUTES.Applications)} icon="arrow-left" inline={false}>
            All applications
          </TextLink>
        }
      />
    );
  }
  const app = application.data;
  return (
    <PluginPage
      pageNav={{ text: app ? `Application ${app.name}` : 'Application' }}
      subTitle="Its servers on every instance and backend, its budgets, its jobs"
    >
      <Stack direction="column" gap={2}>
        {application.loading && <LoadingPlaceholder text="Loading the application..." />}
        {error && (
          <Alert severity="error" title="The application could not be loaded">
            {error.message}
          </Alert>
        )}
        {app && canAdmin && (
          <Stack justifyContent="flex-end">
            <LinkButton icon="history" variant="secondary" href={adminChangesHref('application', app.id)}>
              Changes
            </LinkButton>
          </Stack>
        )}
        {app?.budget && (
          <section aria-label="Application budget">
            <Stack direction="column" gap={1}>
              <Text element="h3">Disruption budget</Text>
              <div className={styles.names}>
                <BudgetSummary budget={app.budget} label={`application ${app.name}`} />
                {canAdmin && (
                  <BudgetEditor
                    budget={app.budget}
                    label={`application ${app.name}`}
                    onSaved={() => application.reload()}
                  />
                )}
              </div>
            </Stack>
          </section>
        )}
        {app && canAct && (
          <Stack gap={1}>
            <Button icon="arrow-down" onClick={() => setStarting('drain')} disabled={!servers.data?.length}>
              Rolling drain
            </Button>
            <Button
              icon="arrow-up"
              variant="secondary"
              onClick={() => setStarting('ready')}
              disabled={!servers.data?.length}
            >
              Return with a ramp
            </Button>
          </Stack>
        )}
        {/* Without its jobs the page would look idle while one runs. */}
        {jobsError && <LoadError title="Its jobs could not be loaded" error={jobsError} onRetry={reloadJobs} />}
        {active && (
          <section aria-label="Running and queued jobs">
            <Text element="h3">Running and queued jobs</Text>
            {jobs.map((op) => (
              <OperationCard key={op.id} operation={op} canAct={canAct} onChanged={reloadJobs} />
            ))}
          </section>
        )}
        {servers.loading && <LoadingPlaceholder text="Loading its servers..." />}
        {servers.data?.length === 0 && <Text color="secondary">No current server is mapped to this application.</Text>}
        {[...byBackend.values()].map((group) => {
          const { backend_id, backend_name, instance_name } = group[0];
          const budget = app?.backends?.find((b) => b.id === backend_id)?.budget;
          return (
            <section key={backend_id} aria-label={`Backend ${backend_name} on ${instance_name}`}>
              <Stack direction="column" gap={1}>
                <Stack gap={2} alignItems="center">
                  <div className={styles.names}>
                    <Text element="h4">
                      {backend_name} on {instance_name}
                    </Text>
                  </div>
                  {budget && <BudgetSummary budget={budget} label={`backend ${backend_name}`} />}
                </Stack>
                <table>
                  <thead>
                    <tr>
                      <th>Server</th>
                      <th>State</th>
                      <th>Sessions</th>
                      <th>Weight</th>
                    </tr>
                  </thead>
                  <tbody>
                    {group.map((s) => (
                      <tr key={s.id}>
                        <td className={styles.names}>
                          <Link to={`${prefixRoute(ROUTES.Servers)}/${s.id}`}>{s.server_name}</Link>
                        </td>
                        <td>
                          <ServerState server={s} />
                        </td>
                        <td>{formatNumber(s.current_sessions)}</td>
                        <td>{formatNumber(s.weight)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </Stack>
            </section>
          );
        })}
      </Stack>
      {starting && app && (
        <OperationModal
          action={starting}
          selection={selection}
          what={`application ${app.name}`}
          servers={servers.data ?? []}
          onStarted={(op) => {
            setStarting(undefined);
            navigate(`${prefixRoute(ROUTES.Operations)}/${op.id}`);
          }}
          onDismiss={() => setStarting(undefined)}
        />
      )}
    </PluginPage>
  );
}

export default ApplicationPage;
