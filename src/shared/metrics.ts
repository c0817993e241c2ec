/**
 * What the system reports about itself. The domain calls this small port; the Prometheus implementation
 * lives in src/http/prometheus-metrics.ts, so the core never imports a metrics library.
 * Labels are ids and kinds only — never patient text.
 */
export interface Metrics {
  messageIn(channel: string, kind: string): void;
  messageOut(channel: string, status: 'sent' | 'failed'): void;
  turnHandled(ms: number, triage: string, action: string): void;
  sendRetried(channel: string): void;
  handoffOpened(reason: string, priority: string): void;
  handoffClaimed(priority: string, waitedMs: number): void;
  inboundThrottled(channel: string): void;
}

export const noMetrics: Metrics = {
  messageIn() {},
  messageOut() {},
  turnHandled() {},
  sendRetried() {},
  handoffOpened() {},
  handoffClaimed() {},
  inboundThrottled() {},
};
