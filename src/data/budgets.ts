import { api } from './client';
import type { Budget, MinAvailable } from '../api/types';

/** An Admin's change to a disruption budget: a minimum set, or dropped (null: a backend's default, no application budget). Rejects with the backend's refusal, for the field to show. */
export function changeBudget(budget: Budget, min: MinAvailable | null): Promise<Budget> {
  return min === null ? api.resetBudget(budget.scope, budget.id) : api.setBudget(budget.scope, budget.id, min);
}
