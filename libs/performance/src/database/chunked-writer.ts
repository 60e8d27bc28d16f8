/**
 * What {@link writeInChunks} needs of a TypeORM `DataSource`: its
 * `transaction()`. Written out so the library's public types never import
 * `typeorm` (an optional dependency); a TypeORM 1.x `DataSource` satisfies it.
 */
export interface TransactionalDataSource<M> {
  transaction<T>(run: (manager: M) => Promise<T>): Promise<T>;
}

/** What the default writer calls on the transaction's `EntityManager`: `insert(target, rows)`. */
export interface InsertingManager {
  insert(target: never, rows: never): Promise<unknown>;
}

/** Where one chunk sits in the input: 1-based chunk number and row numbers. */
export interface ChunkPosition {
  /** 1-based number of the chunk. */
  readonly chunk: number;
  /** Chunks in the whole write. */
  readonly chunks: number;
  /** 1-based number of the chunk's first row in the input. */
  readonly firstRow: number;
  /** 1-based number of the chunk's last row in the input. */
  readonly lastRow: number;
}

/** Progress after each committed chunk. */
export interface ChunkedWriteProgress extends ChunkPosition {
  /** Rows committed so far, this chunk included. */
  readonly committedRows: number;
  /** Rows in the whole write. */
  readonly totalRows: number;
}

/** What a write did: every chunk committed. */
export interface ChunkedWriteSummary {
  /** Rows written (all of them). */
  readonly committedRows: number;
  /** Chunks committed, each in its own transaction. */
  readonly committedChunks: number;
  /** Rows per chunk (the last one may hold fewer). */
  readonly chunkSize: number;
  /** Milliseconds the whole write took. */
  readonly durationMs: number;
}

/** Options of {@link writeInChunks}. */
export interface ChunkedWriteOptions<Row, M> {
  /**
   * The entity (class, name or schema) the rows are inserted into with
   * `manager.insert(into, chunk)`. Give either this or `write`.
   */
  into?: unknown;
  /**
   * Writes one chunk with the transaction's manager, for anything other than
   * a plain insert (upserts, several tables). Give either this or `into`.
   */
  write?: (manager: M, rows: Row[], position: ChunkPosition) => Promise<unknown>;
  /**
   * Rows per transaction: an integer from 1 to 100,000.
   * @default 100
   */
  chunkSize?: number;
  /** Called after each chunk committed. An error it throws stops the write (the chunk stays committed). */
  onProgress?: (progress: ChunkedWriteProgress) => void;
  /** Stops before the next chunk when aborted; the chunks committed stay. */
  signal?: AbortSignal;
}

/** Upper bound of {@link ChunkedWriteOptions.chunkSize}. */
export const MAX_WRITE_CHUNK_SIZE = 100_000;

/**
 * A chunk failed (or the write was aborted before it): the chunks before it
 * are committed, this one was rolled back, the later ones were not tried.
 * The message names the chunk and its rows and carries the database's
 * message without the statement's bound values, and the driver's error
 * code. The original error is not attached: it carries the bound values
 * (TypeORM's `QueryFailedError.parameters`), which must not reach a log.
 */
export class ChunkedWriteError extends Error {
  /** 1-based number of the chunk that failed. */
  readonly chunk: number;
  /** 1-based rows of the chunk that failed, inclusive. */
  readonly firstRow: number;
  readonly lastRow: number;
  /** Rows committed before the failure (all in earlier chunks). */
  readonly committedRows: number;
  /** Chunks committed before the failure. */
  readonly committedChunks: number;
  /** The database's (or the writer's) message, bound values taken out. */
  readonly reason: string;
  /** The driver's error code (`23505`, `ER_DUP_ENTRY`, `SQLITE_CONSTRAINT`), when it gave one. */
  readonly code: string | undefined;

  constructor(position: ChunkPosition, committed: { rows: number; chunks: number }, reason: string, code?: string) {
    super(
      `chunk ${position.chunk} of ${position.chunks} (rows ${position.firstRow}-${position.lastRow}) failed and was rolled back: ${reason}; ` +
        `${committed.rows} rows in ${committed.chunks} chunks were committed before it`,
    );
    this.code = code;
    this.name = 'ChunkedWriteError';
    this.chunk = position.chunk;
    this.firstRow = position.firstRow;
    this.lastRow = position.lastRow;
    this.committedRows = committed.rows;
    this.committedChunks = committed.chunks;
    this.reason = reason;
  }
}

const MAX_REASON = 500;
/** A table, column, index or constraint name. */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_.$]{0,127}$/;

/** The driver's code of an error (TypeORM keeps the driver error in `driverError`). */
function codeOf(error: unknown): string | undefined {
  const e = error as { code?: unknown; driverError?: { code?: unknown } } | null;
  const code = e?.driverError?.code ?? e?.code;
  return typeof code === 'string' || typeof code === 'number' ? String(code) : undefined;
}

/**
 * The error's message without any bound value of its statement: TypeORM's
 * `QueryFailedError` carries `parameters`, and drivers quote values in
 * their messages (MariaDB: `Duplicate entry 'x' for key ...`; PostgreSQL's
 * `detail`, which is not kept). Every text of a bound value (of the
 * statement or of the chunk's rows), and every quoted literal that does not
 * read as a name, becomes `?`.
 */
export function messageWithoutValues(error: unknown, rows: readonly unknown[] = []): string {
  let text = error instanceof Error ? error.message : String(error);
  const values = new Set<string>();
  const add = (v: unknown, depth: number) => {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint') values.add(String(v));
    else if (v instanceof Date) values.add(v.toISOString());
    else if (v !== null && typeof v === 'object' && depth < 3) Object.values(v).forEach((x) => add(x, depth + 1));
  };
  const parameters = (error as { parameters?: unknown } | null)?.parameters;
  if (Array.isArray(parameters)) parameters.forEach((p) => add(p, 0));
  rows.forEach((r) => add(r, 0));
  // A quoted literal goes unless it reads as a name (MariaDB quotes column and key names too) that is no bound value;
  // then any bound value's text of 4 characters or more, wherever it occurs.
  text = text.replace(/'((?:[^'\\]|\\.|'')*)'/g, (whole, inner: string) => (IDENTIFIER.test(inner) && !values.has(inner) ? whole : '?'));
  for (const value of [...values].filter((v) => v.length >= 4).sort((a, b) => b.length - a.length)) {
    if (text.includes(value)) text = text.split(value).join('?');
  }
  return text.length > MAX_REASON ? `${text.slice(0, MAX_REASON)}…` : text;
}

/**
 * Writes rows in chunks of `chunkSize` (100 by default), each chunk in its
 * own transaction, one after another. A failed chunk is rolled back and
 * stops the write with a {@link ChunkedWriteError} naming the chunk, its
 * rows and what was committed before it; the chunks before it stay
 * committed, so a rerun can start at `error.committedRows`.
 *
 * Bad options (chunk size not an integer from 1 to 100,000, neither or both
 * of `into` and `write`) throw a `RangeError` before anything is written.
 *
 * @example
 * const summary = await writeInChunks(dataSource, rows, {
 *   into: ChatMessage,
 *   chunkSize: 100,
 *   onProgress: (p) => logger.log(`${p.committedRows}/${p.totalRows} rows committed`),
 * });
 * // { committedRows: 250, committedChunks: 3, chunkSize: 100, durationMs: 41 }
 */
export async function writeInChunks<Row, M>(
  dataSource: TransactionalDataSource<M>,
  rows: readonly Row[],
  options: ChunkedWriteOptions<Row, M>,
): Promise<ChunkedWriteSummary> {
  const chunkSize = options.chunkSize ?? 100;
  if (typeof chunkSize !== 'number' || !Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > MAX_WRITE_CHUNK_SIZE) {
    throw new RangeError(
      `writeInChunks: chunkSize must be an integer from 1 to ${MAX_WRITE_CHUNK_SIZE} (got ${JSON.stringify(chunkSize) ?? String(chunkSize)})`,
    );
  }
  if ((options.into === undefined) === (options.write === undefined)) {
    throw new RangeError('writeInChunks: give either `into` (the entity to insert into) or `write` (a function writing one chunk), not both or neither');
  }
  if (!Array.isArray(rows)) throw new RangeError('writeInChunks: rows must be an array');
  const into = options.into;
  const write =
    options.write ??
    ((manager: M, chunk: Row[]) => {
      const insert = (manager as Partial<InsertingManager> | null)?.insert;
      if (typeof insert !== 'function') throw new RangeError('writeInChunks: `into` needs a manager with insert(); pass `write` instead');
      return (manager as unknown as InsertingManager).insert(into as never, chunk as never);
    });
  const started = performance.now();
  const chunks = Math.ceil(rows.length / chunkSize);
  let committedRows = 0;
  let committedChunks = 0;
  for (let i = 0; i < chunks; i++) {
    const firstRow = i * chunkSize + 1;
    const chunk = rows.slice(i * chunkSize, (i + 1) * chunkSize);
    const position: ChunkPosition = { chunk: i + 1, chunks, firstRow, lastRow: firstRow + chunk.length - 1 };
    if (options.signal?.aborted) {
      const reason = options.signal.reason instanceof Error ? options.signal.reason.message : 'aborted';
      throw new ChunkedWriteError(position, { rows: committedRows, chunks: committedChunks }, `not started: ${reason}`);
    }
    try {
      await dataSource.transaction((manager) => write(manager, chunk, position));
    } catch (error) {
      throw new ChunkedWriteError(position, { rows: committedRows, chunks: committedChunks }, messageWithoutValues(error, chunk), codeOf(error));
    }
    committedRows += chunk.length;
    committedChunks++;
    options.onProgress?.({ ...position, committedRows, totalRows: rows.length });
  }
  return { committedRows, committedChunks, chunkSize, durationMs: Math.round((performance.now() - started) * 100) / 100 };
}
