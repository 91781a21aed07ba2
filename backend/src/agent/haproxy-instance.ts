import { interpretCommandReply, CommandOutcome } from './command-reply';
import { ServerState, setServerStateCommand } from './command-guard';
import { RuntimeApiAddress, runtimeApiExchange } from './runtime-api';
import { parseShowStat, ServerStat } from './show-stat';

/** One HAProxy process as the agent sees it: its runtime API and the two things the agent asks it. */
export class HaproxyInstance {
  constructor(
    readonly name: string,
    readonly address: RuntimeApiAddress,
    private readonly timeoutMs: number
  ) {}

  /** Server rows of `show stat`; throws RuntimeApiError or ShowStatFormatError. */
  async readServers(): Promise<ServerStat[]> {
    return parseShowStat(await runtimeApiExchange(this.address, 'show stat', this.timeoutMs));
  }

  async setServerState(backend: string, server: string, state: ServerState): Promise<CommandOutcome> {
    const command = setServerStateCommand(backend, server, state);
    return interpretCommandReply(await runtimeApiExchange(this.address, command, this.timeoutMs));
  }
}
