import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

@Entity('chat_messages')
export class ChatMessage {
  @PrimaryGeneratedColumn()
  id!: number;

  @Index()
  @Column()
  sessionId!: number;

  @Column({ length: 20 })
  role!: string;

  @Column({ type: 'text' })
  content!: string;

  @Column({ type: 'int', default: 0 })
  tokens!: number;

  /** Time the assistant took to answer, in ms (0 for user messages). */
  @Column({ type: 'int', default: 0 })
  latencyMs!: number;

  @CreateDateColumn()
  createdAt!: Date;
}
