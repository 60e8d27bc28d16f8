import { requireOptional } from '../../core/performance-errors';
import { maskErrorSecrets, secretsOfUrl } from '../../core/secret-masking';
import type { EmailNotifierOptions } from '../../core/options/alerts.options';
import type { AlertEvent } from '../../core/schemas/performance-alert';
import { describeAlertEvent, type AlertNotifier } from './alert-notifier';

interface Transport {
  sendMail(message: { from: string; to: string[]; subject: string; text: string }): Promise<unknown>;
  close(): void;
}

/** Sends each alert event as a plain-text email over SMTP (nodemailer, loaded only when configured). */
export class EmailAlertNotifier implements AlertNotifier {
  readonly name = 'email';
  private readonly transport: Transport;
  /** The SMTP password (or user alone) and secret parameters: SMTP errors may quote them. */
  private readonly secrets: readonly string[];

  constructor(private readonly options: EmailNotifierOptions) {
    const nodemailer = requireOptional<{ createTransport(url: string): Transport }>('nodemailer', 'email alerts', 'no alerts.notifiers.email');
    this.secrets = secretsOfUrl(options.smtpUrl);
    try {
      this.transport = nodemailer.createTransport(options.smtpUrl);
    } catch (error) {
      throw maskErrorSecrets(error, this.secrets);
    }
  }

  async send(event: AlertEvent, signal: AbortSignal): Promise<void> {
    const a = event.alert;
    const sending = this.transport.sendMail({
      from: this.options.from,
      to: this.options.to,
      subject: describeAlertEvent(event),
      text: [
        a.message,
        '',
        `Metric: ${a.metric}`,
        `Severity: ${a.severity}`,
        `Status: ${a.status}`,
        `Threshold: ${a.threshold}`,
        `Current value: ${a.value}`,
        `Instance: ${a.instanceId}`,
        `First seen: ${a.firstSeen}`,
        `Fired: ${a.firedAt}`,
        `Last seen: ${a.lastSeen}`,
        ...(a.resolvedAt ? [`Resolved: ${a.resolvedAt}`] : []),
        `Duration: ${a.durationSeconds} s`,
        ...(a.flapping ? [`Flapping: yes (${a.transitions} changes between firing and resolved)`] : []),
      ].join('\n'),
    });
    // nodemailer has no AbortSignal: race it, and let the SMTP timeout end the socket.
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(new Error('timed out'));
      signal.addEventListener('abort', onAbort, { once: true });
      sending.then(
        () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(maskErrorSecrets(error, this.secrets));
        },
      );
    });
  }

  close(): void {
    this.transport.close();
  }
}
