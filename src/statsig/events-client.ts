// Records review results beside the rollout through Statsig's Events API (`log_event`).
import { fetchJson, type StatsigCallObserver } from './http';
import type { LogEventBody } from './schemas';

export interface StatsigEventsOptions {
  baseUrl: string;
  serverSecret: string;
  timeoutMs: number;
  onCall?: StatsigCallObserver;
}

/** Records review results beside the rollout through the Events API (`log_event`). */
export class StatsigEventsClient {
  private readonly baseUrl: string;

  constructor(private readonly options: StatsigEventsOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  async logEvents(events: LogEventBody['events'], signal?: AbortSignal): Promise<void> {
    await fetchJson(`${this.baseUrl}/log_event`, {
      method: 'POST',
      path: '/log_event',
      headers: { 'statsig-api-key': this.options.serverSecret, 'content-type': 'application/json' },
      body: JSON.stringify({ events }),
      timeoutMs: this.options.timeoutMs,
      signal,
      onCall: this.options.onCall,
    });
  }
}
