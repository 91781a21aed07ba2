import React from 'react';
import { render, screen } from '@testing-library/react';
import { AgentTestResult } from './AgentTestResult';

it("shows a reachable instance's error: its /state failed, and the sync reads it", () => {
  render(
    <AgentTestResult
      result={{
        ok: false,
        latency_ms: 12,
        version: '2.8.5',
        instances: [
          { name: 'main', reachable: true, backends: 3, latency_ms: 4 },
          {
            name: 'edge',
            reachable: true,
            backends: 2,
            latency_ms: 5,
            error: 'FAgent refused GET /api/haproxy/edge/state: too large',
          },
        ],
      }}
    />
  );
  const result = screen.getByRole('status', { name: 'Agent test result' });
  expect(result).toHaveTextContent('3 backends, 4 ms');
  expect(result).toHaveTextContent('2 backends, 5 ms: FAgent refused GET /api/haproxy/edge/state: too large');
});
