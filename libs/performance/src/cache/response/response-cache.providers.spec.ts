import 'reflect-metadata';
import { Controller, Get, Post } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { CacheNamespace, CacheTTL, InvalidateCache, NoCache } from './cache.decorator';
import { anyRouteDecorated } from './response-cache.providers';

describe('whether the response cache interceptor is needed (anyRouteDecorated)', () => {
  @Controller('plain')
  class Plain {
    @Get()
    list(): string {
      return 'x';
    }
    @NoCache()
    @Get('off')
    off(): string {
      return 'y';
    }
    get trap(): string {
      throw new Error('a getter of the controller must not run');
    }
  }

  @Controller('ttl')
  class WithTtl {
    @CacheTTL(30)
    @Get()
    list(): string {
      return 'x';
    }
  }

  @CacheNamespace('docs')
  @Controller('ns')
  class WithClassNamespace {
    @Get()
    list(): string {
      return 'x';
    }
  }

  class Base {
    @InvalidateCache('docs')
    @Post()
    create(): string {
      return 'x';
    }
  }
  @Controller('child')
  class Child extends Base {}

  it('is false for controllers without any cache decorator (@NoCache alone does nothing to cache)', () => {
    expect(anyRouteDecorated([Plain])).toBe(false);
    expect(anyRouteDecorated([])).toBe(false);
  });

  it('finds @CacheTTL on a handler, @CacheNamespace on a class and an inherited @InvalidateCache', () => {
    expect(anyRouteDecorated([Plain, WithTtl])).toBe(true);
    expect(anyRouteDecorated([WithClassNamespace])).toBe(true);
    expect(anyRouteDecorated([Plain, Child])).toBe(true);
  });
});
