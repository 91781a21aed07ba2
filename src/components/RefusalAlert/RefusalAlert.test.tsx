import React from 'react';
import { render, screen } from '@testing-library/react';
import { RefusalAlert } from './RefusalAlert';

describe('RefusalAlert', () => {
  it("says a budget's numbers with thousands separators", () => {
    render(
      <RefusalAlert
        refusal={{
          message: 'backend web of edge-1: 1200 available, minimum 1500; refused web-03',
          budget: {
            scope: 'backend',
            backend_id: 12,
            backend: 'web',
            instance: 'edge-1',
            application_id: null,
            available: 1200,
            min_available: 1500,
            refused_server_ids: [31],
          },
          refused: [{ id: 31, name: 'web-03' }],
        }}
      />
    );
    expect(
      screen.getByRole('alert', { name: 'Refused by the disruption budget of backend web on edge-1' })
    ).toHaveTextContent(
      '1,200 servers available, minimum 1,500: taking out web-03 would leave fewer than 1,500 in service, so it was kept in.'
    );
  });
});
