import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Metrics } from '../shared/metrics.ts';

export interface PrometheusMetrics extends Metrics {
  registry: Registry;
  /** Gauges read at scrape time (queue depth, hand-offs waiting). */
  gauge(name: string, help: string, read: () => Promise<number> | number): void;
}

/** Prometheus metrics at /metrics: counters, latency histograms, and gauges sampled when scraped. */
export function createPrometheusMetrics(): PrometheusMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'sehat_process_' });
  const messagesIn = new Counter({
    name: 'sehat_messages_in_total',
    help: 'Inbound patient messages accepted',
    labelNames: ['channel', 'kind'],
    registers: [registry],
  });
  const messagesOut = new Counter({
    name: 'sehat_messages_out_total',
    help: 'Outbound messages by final status',
    labelNames: ['channel', 'status'],
    registers: [registry],
  });
  const retries = new Counter({
    name: 'sehat_send_retries_total',
    help: 'Send attempts retried after a transient error',
    labelNames: ['channel'],
    registers: [registry],
  });
  const throttled = new Counter({
    name: 'sehat_inbound_throttled_total',
    help: 'Inbound messages recorded but not processed (flood limit)',
    labelNames: ['channel'],
    registers: [registry],
  });
  const turns = new Histogram({
    name: 'sehat_answer_seconds',
    help: 'Time to handle one inbound message (triage, answer, send)',
    labelNames: ['triage', 'action'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const handoffs = new Counter({
    name: 'sehat_handoffs_opened_total',
    help: 'Hand-offs opened',
    labelNames: ['reason', 'priority'],
    registers: [registry],
  });
  const waits = new Histogram({
    name: 'sehat_handoff_wait_seconds',
    help: 'Time a hand-off waited before an educator claimed it',
    labelNames: ['priority'],
    buckets: [10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 43200],
    registers: [registry],
  });
  return {
    registry,
    messageIn: (channel, kind) => messagesIn.inc({ channel, kind }),
    messageOut: (channel, status) => messagesOut.inc({ channel, status }),
    turnHandled: (ms, triage, action) => turns.observe({ triage, action }, ms / 1000),
    sendRetried: (channel) => retries.inc({ channel }),
    handoffOpened: (reason, priority) => handoffs.inc({ reason, priority }),
    handoffClaimed: (priority, waitedMs) => waits.observe({ priority }, waitedMs / 1000),
    inboundThrottled: (channel) => throttled.inc({ channel }),
    gauge(name, help, read) {
      new Gauge({
        name,
        help,
        registers: [registry],
        async collect() {
          this.set(await read());
        },
      });
    },
  };
}
