import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { User } from './user.entity';

/**
 * A document of a workspace. `category` and `status` are deliberately not
 * indexed: `/documents/search` filters on them so the index advisor has
 * something real to find.
 */
@Entity('documents')
export class Document {
  @PrimaryGeneratedColumn()
  id!: number;

  @Index()
  @Column()
  workspaceId!: number;

  @Index()
  @Column({ type: 'int', nullable: true })
  authorId!: number | null;

  @ManyToOne(() => User, { nullable: true, createForeignKeyConstraints: false })
  @JoinColumn({ name: 'authorId' })
  author?: User | null;

  @Column({ length: 200 })
  title!: string;

  @Column({ type: 'text' })
  content!: string;

  @Column({ length: 20, default: 'draft' })
  status!: string;

  @Column({ length: 40 })
  category!: string;

  @Column({ type: 'int', default: 0 })
  wordCount!: number;

  @Column({ type: 'int', default: 0 })
  views!: number;

  @CreateDateColumn()
  createdAt!: Date;

  @UpdateDateColumn()
  updatedAt!: Date;
}
