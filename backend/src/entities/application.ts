import { EntitySchema } from 'typeorm';

/** An application deployed on a host; HAProxy servers map to it. */
export interface Application {
  id: number;
  name: string;
  hostId: number | null;
  createdAt: Date;
}

export const ApplicationEntity = new EntitySchema<Application>({
  name: 'Application',
  tableName: 'applications',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    name: { type: 'text' },
    hostId: { name: 'host_id', type: 'int', nullable: true },
    createdAt: { name: 'created_at', type: 'timestamptz', createDate: true },
  },
});
