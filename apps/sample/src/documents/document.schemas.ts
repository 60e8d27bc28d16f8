import { BadRequestException, type PipeTransform } from '@nestjs/common';
import { z } from 'zod';
import { CATEGORIES, STATUSES } from '../seed/demo-seeder.service';

export const createDocumentSchema = z.strictObject({
  workspaceId: z.int().positive(),
  title: z.string().trim().min(1).max(200),
  content: z.string().max(100_000),
  authorId: z.int().positive().optional(),
  status: z.enum(STATUSES as [string, ...string[]]).optional(),
  category: z.enum(CATEGORIES as [string, ...string[]]).optional(),
});

export type CreateDocumentInput = z.infer<typeof createDocumentSchema>;

const intParam = (min: number, max: number) => z.string().regex(/^\d+$/, 'must be a whole number').transform(Number).pipe(z.int().min(min).max(max));

export const listDocumentsQuery = z.strictObject({
  limit: intParam(1, 100).default(20),
  workspaceId: intParam(1, 1_000_000).optional(),
  include: z.literal('author').optional(),
  strategy: z.enum(['naive', 'join']).default('join'),
});

export const searchDocumentsQuery = z.strictObject({
  category: z.string().max(40).optional(),
  status: z.string().max(20).optional(),
  minViews: intParam(0, 1_000_000_000).optional(),
  limit: intParam(1, 100).default(20),
});

/** Validates a body or query with a zod schema; a 400 names every bad field. */
export class ZodPipe<T extends z.ZodType> implements PipeTransform<unknown, z.infer<T>> {
  constructor(private readonly schema: T) {}

  transform(value: unknown): z.infer<T> {
    const result = this.schema.safeParse(value ?? {});
    if (result.success) return result.data;
    throw new BadRequestException(
      result.error.issues.map((i) =>
        i.code === 'unrecognized_keys' ? `unknown field ${i.keys.map((k) => JSON.stringify(k)).join(', ')}` : `${i.path.join('.') || 'body'}: ${i.message}`,
      ),
    );
  }
}
