import { ConsoleLogger, type ConsoleLoggerOptions, type LogLevel } from '@nestjs/common';
import { RequestContext } from './request-context';

/**
 * A Nest `ConsoleLogger` that adds the current request's X-Request-ID to each
 * line written while a request runs (`[req 3f2c…] message`), and a
 * `requestId` field in JSON mode. Lines outside requests are unchanged.
 *
 * @example
 * const app = await NestFactory.create(AppModule, { logger: new PerformanceLogger() });
 */
export class PerformanceLogger extends ConsoleLogger {
  constructor(...args: [] | [string] | [ConsoleLoggerOptions] | [string, ConsoleLoggerOptions]) {
    super(...(args as [string, ConsoleLoggerOptions]));
    // Lines carry the id of the request they are written for: requests carry their context from now on.
    RequestContext.enable();
  }

  protected override formatMessage(
    logLevel: LogLevel,
    message: unknown,
    pidMessage: string,
    formattedLogLevel: string,
    contextMessage: string,
    timestampDiff: string,
    params?: Record<string, unknown>,
  ): string {
    const id = RequestContext.current()?.requestId;
    return super.formatMessage(logLevel, message, pidMessage, formattedLogLevel, id ? `${contextMessage}[req ${id}] ` : contextMessage, timestampDiff, params);
  }

  protected override getJsonLogObject(
    message: unknown,
    options: {
      context: string;
      logLevel: LogLevel;
      writeStreamType?: 'stdout' | 'stderr';
      errorStack?: unknown;
      params?: Record<string, unknown>;
      error?: Error;
    },
  ) {
    const object = super.getJsonLogObject(message, options);
    const id = RequestContext.current()?.requestId;
    if (id) object.requestId = id;
    return object;
  }
}
