import { z } from 'zod';

/** A path at the server root: starts with `/`, no spaces, no query. */
export const rootPath = z.string().regex(/^\/[A-Za-z0-9._~\-/]*$/, 'must be a path starting with "/" (letters, digits, . _ ~ - /)');
