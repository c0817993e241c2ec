import type { KeyValueState } from '../../src/queue/key-value-state.ts';
import type { Clock } from '../../src/shared/clock.ts';
import type { Logger } from '../../src/shared/logger.ts';
import type { WhatsappWebClientFactory } from './client.ts';

/** Typed settings of the whatsapp-web.js pilot adapter (the session folder and Chromium go to the client). */
export interface WhatsappWebConfig {
  /** First wait before reconnecting after a disconnect; doubles up to maxReconnectDelayMs. */
  reconnectDelayMs?: number;
  maxReconnectDelayMs?: number;
  /** Pause between two messages to the same chat (WhatsApp flags bursts from unofficial clients). */
  sendGapMs?: number;
}

export interface WhatsappWebDeps {
  logger: Logger;
  /** Shared state: the numbered choices last offered to each chat, send progress. */
  kv: KeyValueState;
  clock: Clock;
  /** The WhatsApp Web client: whatsapp-web.js in production (wwebjsClientFactory), a fake in tests. */
  createClient: WhatsappWebClientFactory;
  /** Prints the login QR in the terminal (qrcode-terminal in production). */
  printQr?: (qr: string) => void;
}
