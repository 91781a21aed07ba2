import type { AgentCommand, Budget, BudgetRefusal, Server } from '../api/types';
import { formatCount } from './count';

/**
 * Whether a command takes a server out of rotation, so the backend's disruption-budget guard decides it (and a
 * dry run can say what it would do): drain, maint, shutdown-sessions, and a weight of 0.
 */
export function takesOut(command: AgentCommand, weight?: number | string): boolean {
  switch (command) {
    case 'drain':
    case 'maint':
    case 'shutdown-sessions':
      return true;
    case 'weight':
      // By value, as the backend's guard: "00%" is 0% too.
      return weight !== undefined && parseInt(String(weight), 10) === 0;
    default:
      return false;
  }
}

/**
 * Why the backend would not take servers out: its words, and when a disruption budget kept them in, that budget's
 * numbers and the servers it kept (by name), so the confirmation can say it plainly and offer to force.
 */
export interface Refusal {
  message: string;
  budget?: BudgetRefusal;
  /** The servers the budget kept in (names; ids where the name is unknown). */
  refused?: Array<{ id: number; name: string }>;
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * A 409 budget_exceeded's details, checked: they come from the backend as `unknown`, and a refusal we cannot read
 * is still shown by its message.
 */
export function budgetRefusalOf(details: unknown): BudgetRefusal | undefined {
  const d = details as Partial<BudgetRefusal> | null;
  if (
    !d ||
    (d.scope !== 'backend' && d.scope !== 'application') ||
    !isCount(d.available) ||
    !isCount(d.min_available) ||
    !Array.isArray(d.refused_server_ids)
  ) {
    return undefined;
  }
  return {
    scope: d.scope,
    backend_id: d.backend_id ?? null,
    backend: d.backend ?? null,
    instance: d.instance ?? null,
    application_id: d.application_id ?? null,
    available: d.available,
    min_available: d.min_available,
    refused_server_ids: d.refused_server_ids.filter(isCount),
  };
}

/** Which budget refused, in words: "backend web on edge-1" or "application shop". */
export function budgetScopeName(refusal: BudgetRefusal, applicationName?: string | null): string {
  if (refusal.scope === 'backend') {
    return `backend ${refusal.backend ?? refusal.backend_id}${refusal.instance ? ` on ${refusal.instance}` : ''}`;
  }
  return `application ${applicationName ?? refusal.application_id}`;
}

/** A budget named by the servers it counts: "backend web on edge-1", "application shop" (its id when none is known). */
export function budgetLabel(budget: Budget, servers: Server[]): string {
  if (budget.scope === 'backend') {
    const s = servers.find((x) => x.backend_id === budget.id);
    return s ? `backend ${s.backend_name} on ${s.instance_name}` : `backend #${budget.id}`;
  }
  const s = servers.find((x) => x.application_id === budget.id);
  return `application ${s?.application_name ?? `#${budget.id}`}`;
}

/** "5 available, minimum 5" / "no minimum": a budget's numbers as the pages show them. */
export function budgetNumbers(budget: Budget): string {
  if (budget.min_available === null) {
    return `${formatCount(budget.available)} available, no minimum`;
  }
  const set = typeof budget.min_available === 'string' ? ` (${budget.min_available})` : '';
  return `${formatCount(budget.available)} available, minimum ${formatCount(budget.effective_min)}${set}`;
}
