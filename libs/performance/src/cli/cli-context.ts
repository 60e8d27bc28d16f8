import type { Command } from 'commander';
import { AdminClient, parseBaseUrl } from './admin-client';
import { CliError, EXIT, type ExitCode } from './cli-error';

/** The options every command has (set on the program, usable after the command name too). */
export interface GlobalOptions {
  url: string;
  token?: string;
  adminPath: string;
  json?: boolean;
  timeout: number;
}

/** What a command needs: the client, where to print, and how to finish. */
export interface CliContext {
  readonly client: AdminClient;
  readonly json: boolean;
  /** Standard output (results). */
  out(text: string): void;
  /** Standard error (progress, warnings). */
  err(text: string): void;
}

/** The base URL used when neither --url nor PERFORMANCE_URL is given. */
export const DEFAULT_URL = 'http://localhost:3000/api/v1';

/** Builds the context of a command from its merged options. */
export function contextOf(command: Command): CliContext {
  const options = command.optsWithGlobals<GlobalOptions>();
  const token = options.token?.trim() || undefined;
  return {
    client: new AdminClient({
      baseUrl: parseBaseUrl(options.url),
      token,
      adminPath: options.adminPath,
      timeoutMs: options.timeout * 1000,
    }),
    json: options.json === true,
    out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  };
}

/** Parses an integer flag within bounds, or fails naming the flag (exit 2). */
export function integerFlag(flag: string, min: number, max: number): (raw: string) => number {
  return (raw) => {
    const value = /^\d{1,9}$/.test(raw.trim()) ? Number(raw) : Number.NaN;
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new CliError(`${flag} must be an integer from ${min} to ${max} (got ${JSON.stringify(raw)})`, EXIT.USAGE);
    }
    return value;
  };
}

/** Sets the process exit code, keeping the worst one already set. */
export function finish(code: ExitCode): void {
  const current = typeof process.exitCode === 'number' ? process.exitCode : 0;
  process.exitCode = Math.max(current, code);
}

/** Prints a result: the JSON as is with --json, else the rendered text. */
export function print(ctx: CliContext, json: unknown, text: () => string): void {
  ctx.out(ctx.json ? JSON.stringify(json, null, 2) : text());
}
