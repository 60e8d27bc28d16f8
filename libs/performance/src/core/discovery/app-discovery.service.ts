import { Injectable, type InjectionToken, type Type } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { isDataSource, type InstrumentableDataSource } from '../ports/data-source.port';

/** Nest's record of one provider or controller (`InstanceWrapper`). */
type InstanceWrapper = ReturnType<DiscoveryService['getProviders']>[number];

/** One provider or controller instance of the app, as {@link AppDiscovery} finds it. */
export interface DiscoveredInstance {
  /** The token it is registered under in its module (the class for a class provider). */
  readonly token: InjectionToken;
  readonly instance: object;
  /** True for a controller, false for a provider. */
  readonly controller: boolean;
}

/** A TypeORM DataSource provider of the app, with the name Nest's TypeORM module gave it. */
export interface DiscoveredDataSource {
  /** `default` for the unnamed one, else the name given to `TypeOrmModule.forRoot({ name })`. */
  readonly name: string;
  readonly dataSource: InstrumentableDataSource;
}

/** The name Nest's TypeORM module gives a DataSource provider token (`default` for the unnamed one). */
export function dataSourceName(token: unknown): string {
  if (typeof token === 'function') return token.name === 'DataSource' ? 'default' : token.name;
  if (typeof token === 'string') return token.replace(/DataSource$/, '') || 'default';
  return String(token);
}

/**
 * The one walk over the app's modules, on Nest's `DiscoveryService`: the
 * features find here what the app registered anywhere (DataSources, methods
 * with the module's decorators, the source tokens of metrics and health),
 * where Nest's injection alone would see only the module's own providers.
 *
 * Only what exists once per app counts: request-scoped (and durable) providers,
 * and providers whose value is not an object, are skipped. Modules come in
 * the order Nest registered them; within a module, providers before controllers.
 * Call it once the instances exist (`onModuleInit` or later, or in a factory
 * for providers the factory depends on).
 */
@Injectable()
export class AppDiscovery {
  constructor(private readonly discovery: DiscoveryService) {}

  /** Every static provider instance (and, with `controllers`, controller instance) of every module. */
  instances(options: { readonly controllers?: boolean } = {}): DiscoveredInstance[] {
    // Module by module, as Nest keeps them: every module has providers (itself, ModuleRef, ...),
    // so the providers' hosts give the modules in order; a module's controllers follow its providers.
    const byModule = new Map<unknown, InstanceWrapper[]>();
    const add = (wrapper: InstanceWrapper) => {
      const list = byModule.get(wrapper.host);
      if (list) list.push(wrapper);
      else byModule.set(wrapper.host, [wrapper]);
    };
    for (const wrapper of this.discovery.getProviders()) add(wrapper);
    const controllers = new Set(options.controllers ? this.discovery.getControllers() : []);
    for (const wrapper of controllers) add(wrapper);
    const found: DiscoveredInstance[] = [];
    for (const wrappers of byModule.values()) {
      for (const wrapper of wrappers) {
        const instance: unknown = wrapper.isDependencyTreeStatic() ? wrapper.instance : undefined;
        if (typeof instance === 'object' && instance !== null) {
          found.push({ token: wrapper.token, instance, controller: controllers.has(wrapper) });
        }
      }
    }
    return found;
  }

  /**
   * Every instance registered under `token` in any module, each once: the
   * module's own (its features register the source tokens) and the app's, in
   * whatever module the app put them.
   */
  instancesOf<T extends object>(token: InjectionToken): T[] {
    const found = new Set<T>();
    for (const { token: t, instance } of this.instances()) if (t === token) found.add(instance as T);
    return [...found];
  }

  /** The classes of every controller of the app (instantiated or not), for their metadata. */
  controllerTypes(): Type<unknown>[] {
    const types: Type<unknown>[] = [];
    for (const wrapper of this.discovery.getControllers()) {
      if (typeof wrapper.metatype === 'function') types.push(wrapper.metatype as Type<unknown>);
    }
    return types;
  }

  /** The TypeORM DataSources the app provides (duck-typed: typeorm stays optional), with their names. */
  dataSources(): DiscoveredDataSource[] {
    return this.instances()
      .filter(({ instance }) => isDataSource(instance))
      .map(({ token, instance }) => ({ name: dataSourceName(token), dataSource: instance as InstrumentableDataSource }));
  }
}
