import { isSecretName, maskSecretsInText } from '../secret-masking';
import type { PerformanceModuleExtras, PerformanceModuleOptions } from './performance.options';
import { definedOptions, type DefinedOption, type EnvRead } from './schema/option';
import { performanceExtrasSchema, performanceOptionsSchema } from './schema/performance';

type Env = Readonly<Record<string, string | undefined>>;

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

/**
 * A malformed environment variable, left by {@link performanceOptionsFromEnv}
 * in place of its option's value. `PerformanceModule.forRoot()` reports it,
 * naming the variable, with every other problem in one start-up error
 * (`PERF_ERR_INVALID_ENV`) that Nest logs; an app that sets the option
 * itself replaces it.
 */
export class InvalidEnvValue {
  constructor(
    /** The variable, e.g. `CACHE_TTL`. */
    readonly variable: string,
    /** What is wrong, naming the variable: `CACHE_TTL="abc": expected a number`. */
    readonly problem: string,
  ) {
    Object.freeze(this);
  }
}

/** How a variable's value is quoted in an error: never for a secret, URLs masked. */
function quote(name: string, raw: string): string {
  return isSecretName(name) ? '(value not shown)' : JSON.stringify(maskSecretsInText(raw));
}

/**
 * Reads environment variables one at a time. A malformed one becomes an
 * {@link InvalidEnvValue} in its option's place, so one start-up error
 * names each bad variable and its value.
 */
class EnvReader implements EnvRead {
  constructor(private readonly env: Env) {}

  invalid<T>(name: string, problem: string): T {
    return new InvalidEnvValue(name, problem) as unknown as T;
  }

  string(name: string): string | undefined {
    const raw = this.env[name];
    return raw === undefined || raw.trim() === '' ? undefined : raw.trim();
  }

  boolean(name: string): boolean | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    const lower = raw.toLowerCase();
    if (TRUE.has(lower)) return true;
    if (FALSE.has(lower)) return false;
    return this.invalid(name, `${name}=${quote(name, raw)}: expected true/false (or 1/0, yes/no, on/off)`);
  }

  number(name: string): number | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    const value = Number(raw);
    if (!Number.isFinite(value)) return this.invalid(name, `${name}=${quote(name, raw)}: expected a number`);
    return value;
  }

  list(name: string): string[] | undefined {
    return this.string(name)
      ?.split(',')
      .map((item) => item.trim())
      .filter(Boolean);
  }

  /** A string, or `false` for false/0/no/off (an endpoint switched off). */
  stringOrFalse(name: string): string | false | undefined {
    const raw = this.string(name);
    return raw !== undefined && FALSE.has(raw.toLowerCase()) ? false : raw;
  }

  json(name: string, example: string | undefined): unknown {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      return this.invalid(name, `${name}=${quote(name, raw)}: expected JSON${example ? ` such as ${example}` : ''}`);
    }
  }

  /** The value of one option from its variable(s); `undefined` when unset. */
  read({ definition, format }: DefinedOption): unknown {
    const { env } = definition;
    if (env === undefined) return undefined;
    if (typeof env !== 'string') return env.read(this);
    switch (format) {
      case 'boolean':
        return this.boolean(env);
      case 'number':
        return this.number(env);
      case 'list':
        return this.list(env);
      case 'string-or-false':
        return this.stringOrFalse(env);
      case 'json':
        return this.json(env, definition.envExample);
      default:
        return this.string(env);
    }
  }
}

/** Sets `value` at a dotted path, making the sections on the way. */
function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  const last = keys.pop()!;
  let section = target;
  for (const key of keys) section = (section[key] ??= {}) as Record<string, unknown>;
  section[last] = value;
}

/**
 * Builds module options from environment variables: the variables and the
 * options they set are listed in docs/configuration.md (`CACHE_TTL` sets
 * `cache.ttl`, ...). Unset and blank variables leave the defaults alone.
 * Values are checked like any other options by `PerformanceModule.forRoot()`;
 * a malformed one (`CACHE_TTL=abc`) does not throw here: it is carried in its
 * option's place as an {@link InvalidEnvValue}, and the app stops at start-up
 * with one error, logged through Nest's logger, that names each bad variable
 * (`PERF_ERR_INVALID_ENV`). Secrets are never quoted and URLs are masked.
 *
 * To add the app's own options, merge them with `mergePerformanceOptions()`:
 * a spread would replace a whole section (`cache: { ... }` would drop every
 * `CACHE_*` variable).
 *
 * @example
 * PerformanceModule.forRoot(mergePerformanceOptions(performanceOptionsFromEnv(), { cache: { cacheablePaths: { '/api/items': 60 } } }))
 */
export function performanceOptionsFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): PerformanceModuleOptions & PerformanceModuleExtras {
  const reader = new EnvReader(env);
  const options: Record<string, unknown> = {};
  for (const option of [...definedOptions(performanceOptionsSchema), ...definedOptions(performanceExtrasSchema)]) {
    const value = reader.read(option);
    if (value !== undefined) setPath(options, option.path, value);
  }
  return options;
}
