import React from 'react';
import { screen, waitFor, within } from '@testing-library/react';
import { Link } from 'react-router-dom';
import { dateTimeFormat } from '@grafana/data';
import { makeAction } from '../../test/fixtures';
import { db } from '../../test/handlers';
import { renderPage } from '../../test/render';
import ActionsPage from './Actions';

const actionRequests = () => db.requests.filter((r) => r.path.includes('/api/haproxy/actions'));
const lastQuery = () => new URL(`http://x${actionRequests().at(-1)!.path}`).searchParams;

describe('Actions page', () => {
  beforeEach(() => {
    db.fleet.actions = [
      makeAction(1),
      makeAction(2, { actor: 'bob', command: 'maint', status_after: 'MAINT' }),
      makeAction(3, { success: false, result: 'failure', error: 'FAgent timeout', status_after: null }),
    ];
  });

  it('shows the audit log with actor, command, server, status change and result', async () => {
    renderPage(<ActionsPage />, { route: '/actions' });
    const row = (await screen.findByText('web3 (be_web on haproxy-1)')).closest('tr')!;
    expect(row).toHaveTextContent('alice');
    expect(row).toHaveTextContent('drain');
    expect(row).toHaveTextContent('failed');
    expect(row).toHaveTextContent('FAgent timeout');
    expect(screen.getAllByRole('row')).toHaveLength(4);
    // default range is the last 24 hours, paged by 50
    expect(lastQuery().get('since')).toBeTruthy();
    expect(lastQuery().get('limit')).toBe('50');
    expect(lastQuery().get('offset')).toBe('0');
  });

  it('tells an unknown outcome from a failure, and shows the note beside the result', async () => {
    db.fleet.actions = [
      makeAction(1, {
        success: false,
        result: 'unknown',
        error: 'FAgent did not answer within 5000 ms',
        note: "the agent's answer failed and HAProxy's state could not be read (not read)",
        status_after: null,
      }),
      makeAction(2, {
        command: 'ready',
        status_before: 'MAINT',
        status_after: 'MAINT',
        note: 'HAProxy took ready, but shows "MAINT (resolution)": its address does not resolve; ready shows when that ends',
      }),
      makeAction(3, { success: false, result: 'pending', status_after: null }),
    ];
    renderPage(<ActionsPage />, { route: '/actions' });
    const cell = async (server: string) =>
      within((await screen.findByText(`${server} (be_web on haproxy-1)`)).closest('tr')!)
        .getAllByRole('cell')
        .at(-2)!;
    expect(await cell('web1')).toHaveTextContent(
      /^unknown FAgent did not answer within 5000 ms; the agent's answer failed and HAProxy's state could not be read/
    );
    expect(await cell('web2')).toHaveTextContent(/^success HAProxy took ready, but shows "MAINT \(resolution\)"/);
    expect(await cell('web3')).toHaveTextContent(/^pending$/);
  });

  it('filters by actor, command, result and time range through the API and keeps them in the URL', async () => {
    const { user } = renderPage(<ActionsPage />, { route: '/actions' });
    await screen.findByText('web1 (be_web on haproxy-1)');

    await user.type(screen.getByLabelText('Actor'), 'bob{Enter}');
    await waitFor(() => expect(screen.getAllByRole('row')).toHaveLength(2));
    expect(lastQuery().get('actor')).toBe('bob');
    expect(screen.getByTestId('location')).toHaveTextContent('/actions?actor=bob');

    await user.clear(screen.getByLabelText('Actor'));
    await user.type(screen.getByLabelText('Actor'), '{Enter}');
    await user.click(screen.getByRole('radio', { name: 'Failed' }));
    await waitFor(() => expect(screen.getAllByRole('row')).toHaveLength(2));
    expect(lastQuery().get('success')).toBe('false');
    expect(lastQuery().get('actor')).toBeNull();

    // Unknown: the failures HAProxy may have applied, asked of the backend by their result.
    db.fleet.actions.push(makeAction(4, { success: false, result: 'unknown', error: 'FAgent timeout' }));
    await user.click(screen.getByRole('radio', { name: 'Unknown' }));
    await waitFor(() => expect(screen.getAllByRole('row')).toHaveLength(2));
    expect(screen.getByText('web4 (be_web on haproxy-1)')).toBeInTheDocument();
    expect(lastQuery().get('result')).toBe('unknown');
    expect(lastQuery().get('success')).toBeNull();
    expect(screen.getByTestId('location')).toHaveTextContent(/result=unknown/);
    await user.click(screen.getByRole('radio', { name: 'Failed' }));

    await user.click(screen.getByLabelText('Time range'));
    await user.click(await screen.findByText('All time'));
    await waitFor(() => expect(lastQuery().get('since')).toBeNull());
    expect(screen.getByTestId('location')).toHaveTextContent('range=all');
  });

  it("the actor field follows the URL: a link to the unfiltered log empties it, so it never shows a filter that isn't applied", async () => {
    const { user } = renderPage(
      <>
        <ActionsPage />
        <Link to="/actions">All actions</Link>
      </>,
      { route: '/actions?actor=bob' }
    );
    await screen.findByText('web2 (be_web on haproxy-1)');
    expect(screen.getByLabelText('Actor')).toHaveValue('bob');
    await user.click(screen.getByRole('link', { name: 'All actions' }));
    await screen.findByText('web1 (be_web on haproxy-1)');
    expect(lastQuery().get('actor')).toBeNull();
    expect(screen.getByLabelText('Actor')).toHaveValue('');
  });

  it('restores filters from the URL and shows the empty state', async () => {
    renderPage(<ActionsPage />, { route: '/actions?command=ready&range=1h' });
    expect(await screen.findByText('No action matches these filters')).toBeInTheDocument();
    expect(lastQuery().get('command')).toBe('ready');
    const since = new Date(lastQuery().get('since')!).getTime();
    expect(Date.now() - since).toBeGreaterThanOrEqual(3600e3 - 5000);
    expect(Date.now() - since).toBeLessThan(3600e3 + 60000);
  });

  it('exports what the filters select, every page of it, as CSV through the plugin proxy', async () => {
    const { user } = renderPage(<ActionsPage />, { route: '/actions?command=maint&actor=bob&page=2' });
    // Bob's one maint is on page 1: page 2 is past the end, so the page shows page 1.
    await screen.findByText('web2 (be_web on haproxy-1)');
    const link = () =>
      new URL(screen.getByRole('link', { name: /Export CSV/ }).getAttribute('href')!, 'http://grafana');
    expect(link().pathname).toBe('/api/plugin-proxy/appcontrol-haproxy-app/api/haproxy/actions.csv');
    expect(Object.fromEntries(link().searchParams)).toEqual({
      actor: 'bob',
      command: 'maint',
      since: lastQuery().get('since'),
    });
    // Downloaded by the browser, not opened by Grafana's router as a page of its own.
    expect(screen.getByRole('link', { name: /Export CSV/ })).toHaveAttribute('target', '_self');
    expect(screen.getByRole('link', { name: /Export CSV/ })).toHaveAttribute('download');

    await user.click(screen.getByRole('radio', { name: 'Failed' }));
    await waitFor(() => expect(link().searchParams.get('success')).toBe('false'));
  });

  it('pages through the log', async () => {
    db.fleet.actions = Array.from({ length: 120 }, (_, i) => makeAction(i + 1));
    const { user } = renderPage(<ActionsPage />, { route: '/actions' });
    await screen.findByText('web120 (be_web on haproxy-1)');
    expect(screen.getAllByRole('row')).toHaveLength(51);
    const pagination = screen.getByRole('navigation');
    await user.click(within(pagination).getByRole('button', { name: '3' }));
    await screen.findByText('web1 (be_web on haproxy-1)');
    expect(lastQuery().get('offset')).toBe('100');
    expect(screen.getAllByRole('row')).toHaveLength(21);
    expect(screen.getByTestId('location')).toHaveTextContent('/actions?page=3');

    // A new filter starts again on page 1.
    await user.click(screen.getByRole('radio', { name: 'Succeeded' }));
    await waitFor(() => expect(lastQuery().get('success')).toBe('true'));
    expect(lastQuery().get('offset')).toBe('0');
    expect(screen.getByTestId('location')).toHaveTextContent(/^\/actions\?result=success$/);
  });

  it('a page after commands recorded since the first one neither repeats its rows nor skips any', async () => {
    db.fleet.actions = Array.from({ length: 60 }, (_, i) => makeAction(60 - i));
    const { user } = renderPage(<ActionsPage />, { route: '/actions' });
    await screen.findByText('web1 (be_web on haproxy-1)');
    const shown = () =>
      screen
        .getAllByRole('row')
        .slice(1)
        .map((r) => r.textContent);
    const first = shown();
    // Three commands land while the first page is read: they come with Refresh, not into page 2.
    db.fleet.actions.push(
      ...[61, 62, 63].map((id) => makeAction(id, { started_at: new Date(Date.now() + 1000).toISOString() }))
    );
    await user.click(within(screen.getByRole('navigation')).getByRole('button', { name: '2' }));
    await screen.findByText('web60 (be_web on haproxy-1)');
    const second = shown();
    expect(second).toHaveLength(10);
    expect(second.filter((row) => first.includes(row))).toEqual([]);
  });

  it('a page past the last one (a shared URL, a log that shrank) goes to the last page, not to "no action"', async () => {
    db.fleet.actions = Array.from({ length: 120 }, (_, i) => makeAction(i + 1));
    renderPage(<ActionsPage />, { route: '/actions?page=9' });
    // Pages 1-3 hold the 120 actions: page 9 is empty but the filters do match.
    await screen.findByText('web1 (be_web on haproxy-1)');
    expect(screen.queryByText('No action matches these filters')).not.toBeInTheDocument();
    expect(lastQuery().get('offset')).toBe('100');
    expect(screen.getByTestId('location')).toHaveTextContent(/^\/actions\?page=3$/);
  });

  it('a huge page number in the URL asks for no offset the backend refuses', async () => {
    db.fleet.actions = Array.from({ length: 3 }, (_, i) => makeAction(i + 1));
    renderPage(<ActionsPage />, { route: '/actions?page=99999999999' });
    await screen.findByText('web1 (be_web on haproxy-1)');
    const offsets = actionRequests().map((r) => Number(new URL(`http://x${r.path}`).searchParams.get('offset')));
    // The backend takes offsets up to 10,000,000 (backend/src/api/validation.ts) and answers 400 above.
    expect(Math.max(...offsets)).toBeLessThanOrEqual(10_000_000);
    expect(screen.queryByText('Actions could not be loaded')).not.toBeInTheDocument();
    expect(screen.getByTestId('location')).toHaveTextContent(/^\/actions$/);
  });

  it('shows the reason and the end of the window a command opened', async () => {
    const until = '2025-01-01T14:30:00.000Z';
    db.fleet.actions = [
      makeAction(1, { reason: 'INC-42 disk replacement', until }),
      makeAction(2, { command: 'ready', source: 'schedule', actor: 'system:schedule', status_after: 'UP' }),
    ];
    const { user } = renderPage(<ActionsPage />, { route: '/actions?range=all' });
    const drained = (await screen.findByText('web1 (be_web on haproxy-1)')).closest('tr')!;
    expect(drained).toHaveTextContent('INC-42 disk replacement');
    const end = within(drained).getByText(dateTimeFormat(until));
    await user.hover(end);
    expect(await screen.findByRole('tooltip')).toHaveTextContent(/^Maintenance window end: .+ ago$/);
    const ended = screen.getByText('web2 (be_web on haproxy-1)').closest('tr')!;
    expect(ended).toHaveTextContent('schedule');
    expect(within(ended).getAllByText('—').length).toBeGreaterThanOrEqual(2);
  });

  it('filters by source, the service itself (reconcile, schedule) too, and keeps it in the URL', async () => {
    db.fleet.actions = [makeAction(1), makeAction(2, { source: 'reconcile', actor: 'system:reconcile' })];
    const { user } = renderPage(<ActionsPage />, { route: '/actions' });
    await screen.findByText('web1 (be_web on haproxy-1)');
    await user.click(screen.getByLabelText('Source'));
    await user.click(await screen.findByRole('option', { name: /^reconcile/ }));
    await waitFor(() => expect(screen.getAllByRole('row')).toHaveLength(2));
    expect(lastQuery().get('source')).toBe('reconcile');
    expect(screen.getByRole('row', { name: /web2/ })).toHaveTextContent('system:reconcile');
    expect(screen.getByTestId('location')).toHaveTextContent('/actions?source=reconcile');
  });
});
