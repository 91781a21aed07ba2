import React from 'react';
import { screen } from '@testing-library/react';
import { type GuardDecision, makeOperation } from '../../test/guardFixtures';
import type { Operation } from '../../api/types';
import { renderPage } from '../../test/render';
import { makeServer } from '../../test/fixtures';
import { OperationCard } from './OperationCard';

const where = { backend_id: 11, backend_name: 'be_web', instance_id: 1, instance_name: 'haproxy-1' };

const renderCards = (...operations: Operation[]) =>
  renderPage(
    <>
      {operations.map((op) => (
        <OperationCard key={op.id} operation={op} canAct={false} onChanged={() => {}} />
      ))}
    </>
  );

describe('OperationCard', () => {
  it("counts a big job's servers with thousands separators, and one server as one", () => {
    const decisions = Array.from({ length: 1500 }, (_, i): GuardDecision => ({
      server: makeServer({ ...where, server_name: `web${i}` }),
      would: 'take_out',
    }));
    const big = makeOperation('big', { action: 'drain', backend_id: 11, max_parallel: 1000 }, decisions, 'alice');
    const one = makeOperation('one', { action: 'drain', backend_id: 11 }, decisions.slice(0, 1), 'alice');
    renderCards(big, one);
    const job = screen.getByRole('region', { name: 'Job Rolling drain of 1,500 servers running' });
    expect(job).toHaveTextContent('1,000 at a time');
    expect(job).toHaveTextContent('0 of 1,500 finished: 0 done, 0 in progress, 1,500 waiting');
    expect(screen.getByRole('region', { name: 'Job Rolling drain of 1 server running' })).toBeVisible();
  });

  it('names a return by whether it ramps, and says the ramp', () => {
    const decisions = [{ server: makeServer({ ...where, server_name: 'web1' }), would: 'take_out' as const }];
    const ramped = makeOperation(
      'ramped',
      { action: 'ready', backend_id: 11, ramp: { steps: [10, 50, 100], interval_s: 30 } },
      decisions,
      'alice'
    );
    const plain = makeOperation('plain', { action: 'ready', backend_id: 11 }, decisions, 'alice');
    renderCards(ramped, plain);
    const withRamp = screen.getByRole('region', { name: 'Job Return with a ramp of 1 server running' });
    expect(withRamp).toHaveTextContent('weights 10, 50, 100% every 30 s');
    const without = screen.getByRole('region', { name: 'Job Return of 1 server running' });
    expect(without).not.toHaveTextContent('weights');
  });
});
