import cron, { ScheduledTask } from 'node-cron';
import { Limiter } from '../concurrency/limiter';
import type { Logger } from '../logger';
import type { Db } from '../db/db';
import { activeInstances } from '../store/instances';
import { InstanceSync, SyncOptions, SyncOutcome } from './instance-sync';
import type { ReaderPriority } from './reader-priority';
import { loadMappingIndex } from './sync-store';

export interface SchedulerOptions {
  pollingIntervalSec: number;
  concurrency: number;
  hostConcurrency: number;
  /** Skip instances another replica synced this recently (default: half the interval). */
  replicaSkipMs?: number;
  /** Told after every instance sync, `scheduled` when a cycle ran it (e.g. to drop cached fleet counts). */
  onSynced?: (outcome: SyncOutcome, how: { scheduled: boolean }) => void;
  /** Told after every cycle. */
  onCycle?: (report: CycleReport) => void;
  /** When the API is served by this process too: cycles run fewer syncs at once while its readers wait. */
  readers?: ReaderPriority;
}

export interface CycleReport {
  startedAt: Date;
  durationMs: number;
  outcomes: SyncOutcome[];
  /** The fewest instance syncs the cycle allowed at once (fewer than the most while the API's readers waited). */
  fewestAtOnce: number;
}

/**
 * Syncs every active instance each polling interval. node-cron ticks every second and a cycle starts when
 * one is due and the previous one has finished, so any interval works and cycles never overlap.
 * Concurrency is bounded across instances and per host.
 */
export class SyncScheduler {
  private task?: ScheduledTask;
  private running?: Promise<CycleReport>;
  private lastStart = 0;
  /** Set by stop(): a running cycle starts no more syncs (those in flight end). */
  private stopping = false;
  private readonly inFlight = new Map<number, { run: Promise<SyncOutcome>; fresh: boolean }>();
  /** Per instance: the fresh (manual) sync waiting for a cached or skippable one in flight to end. */
  private readonly queuedFresh = new Map<number, Promise<SyncOutcome>>();
  /**
   * Every sync of this process, scheduled or manual, at once: each holds a database connection throughout, so
   * manual ones (a script's "Sync now" of every instance) must not take the pool from the API and the cycles.
   */
  private readonly slots: Limiter;
  lastCycle?: CycleReport;

  constructor(
    private readonly db: Db,
    private readonly sync: InstanceSync,
    private readonly log: Logger,
    private readonly opts: SchedulerOptions
  ) {
    this.slots = new Limiter(opts.concurrency);
  }

  start(): void {
    this.stopping = false;
    this.task = cron.schedule('* * * * * *', () => {
      if (this.running || Date.now() - this.lastStart < this.opts.pollingIntervalSec * 1000) {
        return;
      }
      void this.runCycle().catch((err) => this.log.error({ err: (err as Error).message }, 'sync cycle failed'));
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.task?.stop();
    this.task = undefined;
    await this.running?.catch(() => undefined);
    await Promise.allSettled([...[...this.inFlight.values()].map((f) => f.run), ...this.queuedFresh.values()]);
  }

  /** One cycle over all active instances of active hosts; concurrent calls share the running cycle. */
  runCycle(): Promise<CycleReport> {
    if (this.running) {
      return this.running;
    }
    this.lastStart = Date.now();
    this.running = this.cycle().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /**
   * Manual sync of one instance; a second request while one runs in this process joins it. A fresh one
   * (the API's "Sync now") does not join a scheduled sync in flight, which may answer from the cache or skip
   * the instance: it runs once that one has ended (the requests meanwhile share it).
   */
  syncInstance(instanceId: number, o: SyncOptions = {}): Promise<SyncOutcome> {
    return this.run(instanceId, o, false);
  }

  private run(instanceId: number, o: SyncOptions, scheduled: boolean): Promise<SyncOutcome> {
    const existing = this.inFlight.get(instanceId);
    if (existing && (existing.fresh || !o.fresh)) {
      return existing.run;
    }
    if (existing) {
      let queued = this.queuedFresh.get(instanceId);
      if (!queued) {
        queued = existing.run
          .catch(() => undefined)
          .then(() => {
            this.queuedFresh.delete(instanceId);
            return this.run(instanceId, o, scheduled);
          });
        this.queuedFresh.set(instanceId, queued);
      }
      return queued;
    }
    const p = this.slots
      .run(async (): Promise<SyncOutcome> => {
        // A stop waits for the syncs in flight, not for the rest of a cycle (minutes, with agents timing out).
        if (scheduled && this.stopping) {
          return { instanceId, status: 'skipped', error: 'the service is stopping', durationMs: 0 };
        }
        const outcome = await this.sync.sync(instanceId, o);
        this.opts.onSynced?.(outcome, { scheduled });
        return outcome;
      })
      .finally(() => this.inFlight.delete(instanceId));
    this.inFlight.set(instanceId, { run: p, fresh: o.fresh === true });
    return p;
  }

  private async cycle(): Promise<CycleReport> {
    const startedAt = new Date();
    const instances = await activeInstances(this.db);
    const global = new Limiter(this.opts.concurrency);
    const perHost = new Map<number, Limiter>();
    // Another replica that synced an instance within half an interval has done this cycle's work for it.
    const skipIfSyncedWithinMs = this.opts.replicaSkipMs ?? (this.opts.pollingIntervalSec * 1000) / 2;
    // Hosts and applications change rarely: one read per cycle, not one per instance.
    const mappingIndex = await loadMappingIndex(this.db);
    const stopPacing = this.opts.readers?.pace(global) ?? (() => global.limit);
    let fewestAtOnce: number;
    let outcomes: SyncOutcome[];
    try {
      outcomes = await Promise.all(
        instances.map((i) => {
          let hostLimiter = perHost.get(i.host_id);
          if (!hostLimiter) {
            perHost.set(i.host_id, (hostLimiter = new Limiter(this.opts.hostConcurrency)));
          }
          return hostLimiter.run(() =>
            global.run(() => this.run(i.id, { skipIfSyncedWithinMs, mappingIndex, activeOnly: true }, true))
          );
        })
      );
    } finally {
      fewestAtOnce = stopPacing();
    }
    const report = { startedAt, durationMs: Date.now() - startedAt.getTime(), outcomes, fewestAtOnce };
    this.lastCycle = report;
    this.opts.onCycle?.(report);
    const failed = outcomes.filter((o) => o.status === 'failed').length;
    this.log.info({ instances: outcomes.length, failed, duration_ms: report.durationMs }, 'sync cycle done');
    return report;
  }
}
