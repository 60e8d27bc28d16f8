import { Logger } from '@nestjs/common';
import type { AlertEvent } from '../../core/schemas/performance-alert';
import { describeAlertEvent, type AlertNotifier } from './alert-notifier';

/** Writes each alert event to Nest's logger (warn while firing, log when resolved). */
export class LogAlertNotifier implements AlertNotifier {
  readonly name = 'log';
  readonly everySeverity = true;
  readonly local = true;
  private readonly logger = new Logger('nestjs-performance:alerts');

  async send(event: AlertEvent): Promise<void> {
    const line = describeAlertEvent(event);
    if (event.kind === 'resolved') this.logger.log(line);
    else this.logger.warn(line);
  }
}
