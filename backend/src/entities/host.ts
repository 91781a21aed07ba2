import { EntitySchema } from 'typeorm';

/** A machine running an FAgent (AC's "Server"). */
export interface Host {
  id: number;
  name: string;
  address: string;
  fagentUrl: string;
  fagentToken: string | null;
  isActive: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export const HostEntity = new EntitySchema<Host>({
  name: 'Host',
  tableName: 'hosts',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    name: { type: 'text', unique: true },
    address: { type: 'text' },
    fagentUrl: { name: 'fagent_url', type: 'text' },
    fagentToken: { name: 'fagent_token', type: 'text', nullable: true, select: false },
    isActive: { name: 'is_active', type: 'boolean', default: true },
    createdAt: { name: 'created_at', type: 'timestamptz', createDate: true },
    updatedAt: { name: 'updated_at', type: 'timestamptz', updateDate: true },
  },
});
