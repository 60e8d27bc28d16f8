import { z } from 'zod';

/**
 * What an option definition may read from the environment. A malformed value
 * comes back as a placeholder that start-up reports, naming the variable.
 */
export interface EnvRead {
  /** The trimmed value; unset or blank is `undefined`. */
  string(name: string): string | undefined;
  boolean(name: string): boolean | undefined;
  number(name: string): number | undefined;
  /** A comma-separated list, blanks dropped. */
  list(name: string): string[] | undefined;
  /** A placeholder for a malformed value, reported at start-up with `problem`. */
  invalid<T>(name: string, problem: string): T;
}

/** Several variables that fill one option together. */
export interface EnvSource {
  /** The variables, in the order the docs list them. */
  readonly names: readonly string[];
  /** Said after them in the docs: `(one)`. */
  readonly note?: string;
  /** The option's value, or `undefined` when none of them is set. */
  readonly read: (env: EnvRead) => unknown;
}

/** How one variable is parsed, chosen by the option's type. */
export type EnvFormat = 'boolean' | 'number' | 'string' | 'string-or-false' | 'list' | 'json';

interface Described {
  /** One line: the meaning column of the table in docs/configuration.md. */
  readonly doc: string;
  /** The variable `performanceOptionsFromEnv()` reads for it, parsed by the option's type; or several. */
  readonly env?: string | EnvSource;
  /** A value of the variable, shown in the docs and in its error (JSON variables). */
  readonly envExample?: string;
  /** How the docs state the default when its value cannot (computed at start-up, or none). */
  readonly defaultDoc?: string;
  /** Said after the default's value in the docs: `64 MiB`. */
  readonly defaultNote?: string;
}

/** One option: its meaning, variable and default. The check is the schema it is attached to. */
export interface OptionDefinition extends Described {
  /** The value when unset; a function is called at each start-up. */
  readonly default?: unknown;
}

type Value<S extends z.ZodType> = Exclude<z.output<S>, undefined>;

const definitions = new WeakMap<z.ZodType, OptionDefinition>();

/**
 * Defines an option: `schema` checks it, the rest drives its default, the
 * environment reader and its row in docs/configuration.md.
 *
 * @example
 * ttl: option(z.number().min(0), { default: 300, env: 'CACHE_TTL', doc: 'default TTL in seconds for routes opted in' })
 */
export function option<S extends z.ZodType>(schema: S, definition: Described & { default: Value<S> }): z.ZodDefault<S>;
export function option<S extends z.ZodType>(schema: S, definition: Described & { default: () => Value<S>; defaultDoc: string }): z.ZodDefault<S>;
export function option<S extends z.ZodType>(schema: S, definition: Described & { defaultDoc: string }): z.ZodOptional<S>;
export function option(schema: z.ZodType, definition: OptionDefinition): z.ZodType {
  const defined = definition.default === undefined ? schema.optional() : schema.default(definition.default as never);
  definitions.set(defined, definition);
  return defined;
}

/**
 * A section of options: a strict object (an unknown key is a typo, and a typo
 * must not silently do nothing) whose own defaults apply when it is left out.
 */
export function section<Shape extends z.core.$ZodLooseShape>(shape: Shape) {
  // Every field of a section is optional, so `{}` is a valid input: its fields' defaults apply.
  return z.strictObject(shape).prefault({} as never);
}

/** One option found in a schema, with its dotted path. */
export interface DefinedOption {
  readonly path: string;
  readonly definition: OptionDefinition;
  /** The option's own check, without its default. */
  readonly schema: z.core.$ZodType;
  /** How its variable is parsed, when it has one variable. */
  readonly format: EnvFormat | undefined;
}

function defOf(schema: z.core.$ZodType): z.core.$ZodTypes['_zod']['def'] {
  return (schema as z.core.$ZodTypes)._zod.def;
}

/** The schema under defaults, optionality and transforms: what the value is checked as. */
function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  const def = defOf(schema);
  switch (def.type) {
    case 'default':
    case 'prefault':
    case 'optional':
      return unwrap(def.innerType);
    case 'pipe':
      return unwrap(def.in);
    default:
      return schema;
  }
}

/** How a variable for an option of this type is parsed. */
function formatOf(schema: z.core.$ZodType, path: string): EnvFormat {
  const def = defOf(unwrap(schema));
  switch (def.type) {
    case 'boolean':
      return 'boolean';
    case 'number':
      return 'number';
    case 'string':
    case 'enum':
      return 'string';
    case 'union':
      return def.options.some((o) => {
        const d = defOf(o);
        return d.type === 'literal' && d.values.includes(false);
      })
        ? 'string-or-false'
        : 'string';
    case 'array':
      return 'list';
    case 'object':
    case 'record':
      return 'json';
    default:
      throw new Error(`${path}: no variable format for a ${def.type}; give the option an EnvSource`);
  }
}

/**
 * Every option defined in `schema`, in declaration order, sections walked
 * into. A field that is neither an option nor a section is a mistake in the
 * definitions and throws.
 */
export function definedOptions(schema: z.core.$ZodType, prefix = ''): DefinedOption[] {
  const def = defOf(unwrap(schema));
  if (def.type !== 'object') throw new Error(`${prefix || '(options)'}: not a section`);
  return Object.entries(def.shape).flatMap(([key, field]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    const definition = definitions.get(field as z.ZodType);
    if (!definition) return definedOptions(field, path);
    const format = typeof definition.env === 'string' ? formatOf(field, path) : undefined;
    return [{ path, definition, schema: unwrap(field), format }];
  });
}

/** The variables an option is read from. */
export function envNames(definition: OptionDefinition): readonly string[] {
  const { env } = definition;
  return env === undefined ? [] : typeof env === 'string' ? [env] : env.names;
}

/**
 * Options as features read them: readonly all the way down; functions,
 * classes and the app's own objects (a store, a guard) keep their type.
 */
export type Frozen<T> = T extends (...args: never[]) => unknown
  ? T
  : T extends abstract new (...args: never[]) => unknown
    ? T
    : T extends readonly (infer E)[]
      ? readonly Frozen<E>[]
      : T extends object
        ? { readonly [K in keyof T]: Frozen<T[K]> }
        : T;

/** Fails to compile unless its argument is `true`: `Checked<SameShape<A, B>>`. */
export type Checked<T extends true> = T;

/**
 * Compile-time check that a schema and a hand-written type describe the same
 * shape: same keys, same optionality, same value types, all the way down
 * (readonly aside). `true`, or the two shapes side by side.
 */
export type SameShape<A, B> = (<T>() => T extends Shape<A> ? 1 : 2) extends <T>() => T extends Shape<B> ? 1 : 2 ? true : { mismatch: [Shape<A>, Shape<B>] };

/** A type with readonly dropped and objects spelled out, so that equal shapes compare equal. */
type Shape<T> = T extends (...args: never[]) => unknown
  ? T
  : T extends abstract new (...args: never[]) => unknown
    ? T
    : T extends readonly (infer E)[]
      ? Shape<E>[]
      : T extends object
        ? { -readonly [K in keyof T]: Shape<T[K]> }
        : T;
