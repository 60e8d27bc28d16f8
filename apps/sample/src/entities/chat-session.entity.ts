import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

@Entity('chat_sessions')
export class ChatSession {
  @PrimaryGeneratedColumn()
  id!: number;

  @Index()
  @Column()
  workspaceId!: number;

  /** Deliberately not indexed: `/workspaces/:id/active-users` joins on it, for the index advisor. */
  @Column()
  userId!: number;

  @Column({ length: 200 })
  title!: string;

  @CreateDateColumn()
  createdAt!: Date;
}
