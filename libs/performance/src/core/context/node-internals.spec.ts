import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { headerTableSymbol, implicitHeadCallsWriteHead } from './node-internals';
import { installWriteHeadHook } from './request-tracker.service';

const response = () => new ServerResponse(new IncomingMessage(new Socket()));

describe('the start-up self-tests of Node internals', () => {
  it("find that this Node sends a response's implicit head through writeHead", () => {
    expect(implicitHeadCallsWriteHead()).toBe(true);
  });

  it('notice a Node whose implicit head bypasses writeHead', () => {
    class DirectHead extends ServerResponse {
      // What a Node that no longer calls this.writeHead() from end() would do.
      _implicitHeader(): void {
        ServerResponse.prototype.writeHead.call(this, this.statusCode);
      }
    }
    expect(implicitHeadCallsWriteHead(() => new DirectHead(new IncomingMessage(new Socket())))).toBe(false);
  });

  it("find this Node's header table, checked to behave as the writer expects", () => {
    const symbol = headerTableSymbol();
    expect(symbol?.description).toBe('kOutHeaders');
  });

  it('refuse a header table that is missing or shaped differently', () => {
    const withoutTable = () => {
      const res = response();
      for (const s of Object.getOwnPropertySymbols(res)) if (s.description === 'kOutHeaders') delete (res as unknown as Record<symbol, unknown>)[s];
      return res;
    };
    expect(headerTableSymbol(withoutTable)).toBeUndefined();
    const otherShape = () => {
      const res = response();
      const symbol = Object.getOwnPropertySymbols(res).find((s) => s.description === 'kOutHeaders')!;
      res.setHeader = function (this: ServerResponse, name: string, value: string) {
        const slot = this as unknown as Record<symbol, Record<string, unknown> | null>;
        slot[symbol] ??= {};
        slot[symbol]![name.toLowerCase()] = { name, value };
        return this;
      } as ServerResponse['setHeader'];
      return res;
    };
    expect(headerTableSymbol(otherShape)).toBeUndefined();
    // A Node whose writeHead(status, headers) would drop a table made before any setHeader (Fastify's case).
    const dropsMadeTable = () => {
      const res = response();
      const symbol = Object.getOwnPropertySymbols(res).find((s) => s.description === 'kOutHeaders')!;
      const original = res.writeHead;
      res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
        (this as unknown as Record<symbol, unknown>)[symbol] = null;
        return (original as (...a: unknown[]) => ServerResponse).apply(this, args);
      } as ServerResponse['writeHead'];
      return res;
    };
    expect(headerTableSymbol(dropsMadeTable)).toBeUndefined();
  });

  it('leave writeHead alone and say so when the self-test fails', () => {
    const before = ServerResponse.prototype.writeHead;
    const warn = vi.fn();
    expect(installWriteHeadHook({ warn }, () => false)).toBe(false);
    expect(ServerResponse.prototype.writeHead).toBe(before);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('performance headers are off'));
  });
});
