import { CommandOutcome, completeReply, interpretCommandReply, parseWeightReply } from './command-reply';
import { getWeightCommand, ServerCommand, serverCommand } from './command-guard';
import { InstanceSnapshot, joinSnapshot } from './instance-snapshot';
import { RuntimeApiAddress, runtimeApiBatch, runtimeApiExchange } from './runtime-api';
import { parseServersState } from './servers-state';
import { SharedRead } from './shared-read';
import { parseShowInfo, ProcessInfo, toProcessInfo } from './show-info';
import { parseShowStatTable } from './show-stat';

/** The three dumps of a snapshot, on one connection so that one process answers all of them. */
const SNAPSHOT_COMMANDS = ['show info', 'show stat', 'show servers state'] as const;

export interface HaproxyInstanceOptions {
  /** Deadline of one runtime-API exchange. */
  timeoutMs: number;
  /** How long a snapshot may be reused (0: only shared while in flight). */
  snapshotReuseMs: number;
  now?: () => number;
}

/** What a command did: HAProxy's verdict, and for `weight` the weight HAProxy has afterwards. */
export type CommandResult = CommandOutcome & { weight?: number };

/** One HAProxy process as the agent sees it: its runtime API, the snapshot it reads, the commands it sends. */
export class HaproxyInstance {
  private readonly snapshots: SharedRead<InstanceSnapshot>;
  private readonly now: () => number;
  /** Keeps a derived start time stable per pid (see toProcessInfo). */
  private lastInfo: ProcessInfo | undefined;

  constructor(
    readonly name: string,
    readonly address: RuntimeApiAddress,
    private readonly options: HaproxyInstanceOptions
  ) {
    this.now = options.now ?? Date.now;
    this.snapshots = new SharedRead(() => this.readSnapshot(), options.snapshotReuseMs, this.now);
  }

  /** Throws RuntimeApiError or an UnexpectedOutputError. */
  snapshot(): Promise<InstanceSnapshot> {
    return this.snapshots.get();
  }

  async info(): Promise<ProcessInfo> {
    return this.processInfo(await runtimeApiExchange(this.address, 'show info', this.options.timeoutMs));
  }

  /**
   * Sends one command, unless `cancel` is aborted before it is written; whatever happens, the next read is a
   * fresh one. Reads asked while it runs start afresh too: a dump begun before the command may not show it.
   */
  async run(backend: string, server: string, command: ServerCommand, cancel?: AbortSignal): Promise<CommandResult> {
    const text = serverCommand(backend, server, command);
    this.snapshots.invalidate();
    try {
      if (command.kind !== 'weight') {
        const reply = await runtimeApiExchange(this.address, text, this.options.timeoutMs, cancel);
        return interpretCommandReply(completeReply(reply, text));
      }
      // The weight HAProxy settled on (a percentage, rounding) is read on the same connection.
      const [reply, weightReply] = await runtimeApiBatch(
        this.address,
        [text, getWeightCommand(backend, server)],
        this.options.timeoutMs,
        cancel
      );
      const outcome = interpretCommandReply(reply);
      return outcome.ok ? { ...outcome, weight: parseWeightReply(weightReply).weight } : outcome;
    } finally {
      this.snapshots.invalidate();
    }
  }

  private async readSnapshot(): Promise<InstanceSnapshot> {
    const [info, stat, state] = await runtimeApiBatch(this.address, SNAPSHOT_COMMANDS, this.options.timeoutMs);
    const table = parseShowStatTable(stat);
    return joinSnapshot(table, parseServersState(state), this.processInfo(info));
  }

  private processInfo(showInfo: string): ProcessInfo {
    this.lastInfo = toProcessInfo(parseShowInfo(showInfo), this.now(), this.lastInfo);
    return this.lastInfo;
  }
}
