import React from 'react';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { dateTimeFormat } from '@grafana/data';
import type { Server } from '../../api/types';
import { makeServer } from '../../test/fixtures';
import { ServerState } from './ServerState';
import { intentView, windowEndLabel } from './ServerState.utils';

const HOUR = 3600e3;
const at = (ms: number) => new Date(ms).toISOString();
const where = { backend_id: 1, backend_name: 'be', instance_id: 1, instance_name: 'edge-1', server_name: 'web1' };

function serverWith(partial: Partial<Server>): Server {
  return makeServer({ ...where, ...partial });
}

async function hoverText(element: HTMLElement) {
  await userEvent.setup({ delay: null }).hover(element);
  return (await screen.findByRole('tooltip')).textContent ?? '';
}

describe('ServerState', () => {
  it('a drained server whose checks fail shows DOWN and a drained badge, with who / why / since / until on hover', async () => {
    const setAt = Date.now() - 2 * HOUR;
    const until = Date.now() + 3 * HOUR;
    render(
      <ServerState
        server={serverWith({
          status: 'DOWN',
          raw_status: 'DOWN (agent)',
          admin_state: 'drain',
          operational_state: 'down',
          desired: {
            admin_state: 'drain',
            actor: 'grafana:alice',
            reason: 'INC-42 disk replacement',
            source: 'ui',
            set_at: at(setAt),
            until: at(until),
          },
        })}
      />
    );
    expect(screen.getByLabelText('DOWN (DOWN (agent))')).toHaveTextContent('DOWN');
    const drained = screen.getByLabelText('intent: drained');
    expect(drained).toHaveTextContent('drained');
    const tip = await hoverText(drained);
    expect(tip).toContain('Drained: HAProxy sends it no new connections');
    expect(tip).toContain('By grafana:alice (ui)');
    expect(tip).toContain('Why: INC-42 disk replacement');
    expect(tip).toContain(`Since ${dateTimeFormat(setAt)} (2 hours ago)`);
    expect(tip).toContain(`Until ${dateTimeFormat(until)} (in 3 hours)`);
  });

  it('a drained healthy server shows DRAIN alone, the intent on its hover', async () => {
    render(
      <ServerState
        server={serverWith({
          status: 'DRAIN',
          raw_status: 'DRAIN',
          desired: {
            admin_state: 'drain',
            actor: 'token:deployer',
            reason: null,
            source: 'orchestrator',
            set_at: at(Date.now()),
            until: null,
          },
        })}
      />
    );
    expect(screen.queryByLabelText(/^intent:/)).not.toBeInTheDocument();
    const tip = await hoverText(screen.getByLabelText('DRAIN (DRAIN)'));
    expect(tip).toContain('HAProxy status: DRAIN');
    expect(tip).toContain('By token:deployer (orchestrator)');
    expect(tip).toContain('No reason given');
    expect(tip).toContain('No end set');
  });

  it.each([
    ['config', 'config', 'disabled in the HAProxy configuration'],
    ['forced', 'forced', 'forced at runtime'],
    ['inherited', 'via track', 'inherited from the server it tracks'],
    ['resolution', 'resolution', 'its address does not resolve'],
  ] as const)('maint from %s shows MAINT and its source (%s)', async (source, text, headline) => {
    render(<ServerState server={serverWith({ status: 'MAINT', admin_state: 'maint', maint_source: source })} />);
    expect(screen.getByText('MAINT')).toBeInTheDocument();
    const badge = screen.getByLabelText(`intent: maint (${text})`);
    expect(badge).toHaveTextContent(text);
    expect(await hoverText(badge)).toContain(headline);
  });

  it('a drain that comes down a track reads as the tracked server’s, named from its tracks', async () => {
    render(
      <ServerState
        server={serverWith({
          status: 'DRAIN',
          raw_status: 'DRAIN',
          admin_state: 'drain',
          maint_source: 'inherited',
          tracks: 'be_api/api1',
        })}
      />
    );
    const badge = screen.getByLabelText('intent: drain (via track: be_api/api1)');
    expect(badge).toHaveTextContent('via track: be_api/api1');
    const tip = await hoverText(badge);
    expect(tip).toContain('Drained: inherited from be_api/api1, the server it tracks');
    expect(tip).not.toContain('Who and why are not recorded');
  });

  it('an inherited drain on a server whose checks fail shows DOWN and "drained via track"', () => {
    render(
      <ServerState
        server={serverWith({ status: 'DOWN', admin_state: 'drain', maint_source: 'inherited', tracks: null })}
      />
    );
    expect(screen.getByLabelText('intent: drain (via track)')).toHaveTextContent('drained via track');
  });

  it('an inherited maint names the server it tracks from its tracks field', async () => {
    render(
      <ServerState
        server={serverWith({ status: 'MAINT', admin_state: 'maint', maint_source: 'inherited', tracks: 'be/s1' })}
      />
    );
    const badge = screen.getByLabelText('intent: maint (via track: be/s1)');
    expect(await hoverText(badge)).toContain('In maintenance: inherited from be/s1, the server it tracks');
  });

  it('a maintenance window shows its end, and how far it is on hover', async () => {
    const until = Date.now() + 2 * HOUR + 60e3;
    render(
      <ServerState
        server={serverWith({
          status: 'MAINT',
          admin_state: 'maint',
          maint_source: 'forced',
          desired: {
            admin_state: 'maint',
            actor: 'grafana:bob',
            reason: 'kernel update',
            source: 'ui',
            set_at: at(Date.now()),
            until: at(until),
          },
        })}
      />
    );
    const end = screen.getByText(windowEndLabel(at(until)));
    expect(end).toHaveTextContent(/^until /);
    expect(await hoverText(end)).toBe(`Maintenance window ends in 2 hours (${dateTimeFormat(until)})`);
  });

  it('a window whose end has come but did not return the server to ready says so, never "until" a past time', async () => {
    const until = Date.now() - 10 * 60e3;
    const server = serverWith({
      status: 'DRAIN',
      raw_status: 'DRAIN',
      desired: {
        admin_state: 'drain',
        actor: 'grafana:bob',
        reason: null,
        source: 'ui',
        set_at: at(Date.now() - 2 * HOUR),
        until: at(until),
      },
    });
    render(<ServerState server={server} />);
    expect(screen.queryByText(/^until /)).not.toBeInTheDocument();
    const ended = screen.getByText(windowEndLabel(at(until), Date.now(), 'window ended'));
    expect(await hoverText(ended)).toContain('It has not been returned to ready yet');
    const details = intentView(server)?.details ?? [];
    expect(details).toContain(`Window ended ${dateTimeFormat(until)} (10 minutes ago); not returned to ready yet`);
    expect(details.join('\n')).not.toMatch(/Until /);
  });

  it('a ready server at weight 0 says it is out on purpose, in words; a drained one does not repeat it', async () => {
    render(
      <>
        <ServerState server={serverWith({ server_name: 'w0', status: 'UP', admin_state: 'ready', weight: 0 })} />
        <ServerState server={serverWith({ status: 'DOWN', admin_state: null, operational_state: null, weight: 0 })} />
        <ServerState server={serverWith({ status: 'DRAIN', admin_state: 'drain', weight: 0 })} />
        <ServerState server={serverWith({ status: 'UP', admin_state: 'ready', weight: 1 })} />
      </>
    );
    const badges = screen.getAllByLabelText('weight 0: out on purpose');
    expect(badges).toHaveLength(2);
    expect(badges[0]).toHaveTextContent('weight 0');
    const tip = await hoverText(badges[0]);
    expect(tip).toContain('HAProxy sends it no new traffic');
    expect(tip).toContain('out on purpose, not available');
  });

  it('drift is a badge of its own: desired vs actual, since, policy and last error on hover', async () => {
    const since = Date.now() - 20 * 60e3;
    render(
      <ServerState
        server={serverWith({
          status: 'UP',
          admin_state: 'ready',
          drift: {
            since: at(since),
            desired: 'drain',
            actual: 'ready',
            cause: 'reload',
            policy: 'reapply',
            attempts: 3,
            last_error: 'FAgent on host-a timed out',
          },
        })}
      />
    );
    expect(screen.getByText('UP')).toBeInTheDocument();
    const drift = screen.getByRole('img', { name: 'drift: desired drain, HAProxy ready, after a reload' });
    const tip = await hoverText(drift);
    expect(tip).toContain('Should be drained, HAProxy has it ready');
    expect(tip).toContain(`Since ${dateTimeFormat(since)} (20 minutes ago), after a reload`);
    expect(tip).toContain('Policy: re-apply (3 attempts so far)');
    expect(tip).toContain('Last error: FAgent on host-a timed out');
  });

  it('a ready server, or one whose intent is unknown, has no intent badge', () => {
    render(
      <>
        <ServerState server={serverWith({ status: 'DOWN', admin_state: 'ready', operational_state: 'down' })} />
        <ServerState server={serverWith({ status: 'DOWN', admin_state: null, operational_state: null })} />
      </>
    );
    expect(screen.getAllByText('DOWN')).toHaveLength(2);
    expect(screen.queryByLabelText(/^intent:/)).not.toBeInTheDocument();
    expect(screen.queryByRole('img', { name: /^drift/ })).not.toBeInTheDocument();
  });

  it('every badge is an image a screen reader names: status, intent, weight 0, window and drift', () => {
    const until = Date.now() + 2 * HOUR;
    const overdue = Date.now() - 10 * 60e3;
    const desired = { actor: 'grafana:alice', reason: null, source: 'ui' as const, set_at: at(Date.now() - HOUR) };
    const drift = { since: at(Date.now()), policy: 'alert' as const, attempts: 0, last_error: null };
    const servers: Array<Parameters<typeof serverWith>[0]> = [
      {
        status: 'DOWN',
        raw_status: 'DOWN (agent)',
        admin_state: 'drain',
        operational_state: 'down',
        desired: { ...desired, admin_state: 'drain', until: at(until) },
      },
      {
        status: 'MAINT',
        admin_state: 'maint',
        maint_source: 'forced',
        desired: { ...desired, admin_state: 'maint', until: at(overdue) },
      },
      {
        status: 'UP',
        admin_state: 'ready',
        weight: 0,
        drift: { ...drift, desired: 'maint', actual: 'ready', cause: 'unknown' },
      },
      { status: 'UP', admin_state: null, drift: { ...drift, desired: 'drain', actual: null, cause: 'reload' } },
    ];
    render(
      <>
        {servers.map((fields, i) => (
          <ServerState key={i} server={serverWith(fields)} />
        ))}
      </>
    );
    const names = [
      'DOWN (DOWN (agent))',
      'intent: drained',
      'weight 0: out on purpose',
      `maintenance window ${windowEndLabel(at(until))}`,
      'intent: maint (forced)',
      `maintenance ${windowEndLabel(at(overdue), Date.now(), 'window ended')}, not returned to ready yet`,
      'drift: desired maint, HAProxy ready',
      'drift: desired drain, HAProxy unknown, after a reload',
    ];
    for (const name of names) {
      expect(screen.getByRole('img', { name })).toBeInTheDocument();
    }
  });
});

describe('ServerState.utils', () => {
  it('a window ending today reads "until HH:mm", another day adds the date', () => {
    const now = Date.parse('2025-03-10T09:00:00Z');
    expect(windowEndLabel('2025-03-10T14:30:00Z', now)).toBe('until 14:30');
    expect(windowEndLabel('2025-03-12T08:05:00Z', now)).toBe('until Mar 12, 08:05');
  });

  it('says who and why are not recorded for a drain nobody asked for, but not for maint from the configuration', () => {
    const drain = intentView(serverWith({ status: 'DRAIN', admin_state: 'drain' }));
    expect(drain?.details).toContain('Who and why are not recorded (set outside HAProxy Control)');
    const config = intentView(serverWith({ status: 'MAINT', admin_state: 'maint', maint_source: 'config' }));
    expect(config?.details).toEqual(['In maintenance: disabled in the HAProxy configuration']);
  });

  it('an older backend (no admin state) still shows a drain from the status', () => {
    const view = intentView(serverWith({ status: 'DRAIN', admin_state: undefined as unknown as null }));
    expect(view?.details[0]).toBe('Drained: HAProxy sends it no new connections');
    expect(view?.badge).toBeUndefined();
  });
});
