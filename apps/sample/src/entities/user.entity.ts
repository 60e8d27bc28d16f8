import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

@Entity('users')
export class User {
  @PrimaryGeneratedColumn()
  id!: number;

  @Index()
  @Column()
  workspaceId!: number;

  @Column({ length: 120 })
  name!: string;

  @Column({ length: 200 })
  email!: string;

  @CreateDateColumn()
  createdAt!: Date;
}
