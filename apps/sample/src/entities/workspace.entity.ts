import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A tenant: a team with its own documents, users and chats. */
@Entity('workspaces')
export class Workspace {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ length: 120 })
  name!: string;

  @Column({ length: 20, default: 'free' })
  plan!: string;

  @CreateDateColumn()
  createdAt!: Date;
}
