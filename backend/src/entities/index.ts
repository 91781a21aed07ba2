import { ApiTokenEntity } from './api-token';
import { ApplicationEntity } from './application';
import { HaproxyInstanceEntity } from './haproxy-instance';
import { HostEntity } from './host';

/**
 * Entities managed through TypeORM repositories. Backends, servers, actions, history and metric samples
 * are written in bulk by hand-written SQL (sync/, commands/), so they have tables but no entity here.
 */
export const entities = [HostEntity, ApplicationEntity, HaproxyInstanceEntity, ApiTokenEntity];
