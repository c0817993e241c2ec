import type { Logger } from '../../src/shared/logger.ts';

/**
 * The small slice of whatsapp-web.js the adapter uses. Tests drive the adapter with a fake that emits
 * whatsapp-web.js-shaped `message` objects; production wraps the real library (loaded only in web mode, so
 * puppeteer is never imported otherwise).
 */

/** The fields of a whatsapp-web.js `Message` that the adapter reads. */
export interface WebMessage {
  id: { _serialized: string; id?: string; fromMe?: boolean; remote?: string };
  /** Chat id: '6281234567890@c.us' (private), '…@lid' (private, privacy id), '…@g.us' (group), 'status@broadcast'. */
  from: string;
  to?: string;
  fromMe: boolean;
  isStatus?: boolean;
  broadcast?: boolean;
  /** 'chat', 'image', 'ptt', 'audio', 'video', 'document', 'sticker', 'location', 'list_response', … */
  type: string;
  body: string;
  /** Unix seconds. */
  timestamp: number;
  hasMedia?: boolean;
  author?: string;
  location?: {
    latitude: number | string;
    longitude: number | string;
    name?: string;
    address?: string;
    description?: string;
  };
  selectedButtonId?: string;
  selectedRowId?: string;
  _data?: { notifyName?: string; caption?: string; filename?: string };
  getContact?: () => Promise<{ number?: string; pushname?: string }>;
}

export interface WhatsappWebClient {
  on(event: 'qr', listener: (qr: string) => void): void;
  on(event: 'authenticated' | 'ready', listener: () => void): void;
  on(event: 'auth_failure' | 'disconnected', listener: (reason: string) => void): void;
  on(event: 'message', listener: (message: WebMessage) => void): void;
  initialize(): Promise<void>;
  destroy(): Promise<void>;
  sendMessage(chatId: string, text: string): Promise<{ id: { _serialized: string } }>;
  sendSeen(chatId: string): Promise<unknown>;
  sendTyping(chatId: string): Promise<void>;
}

export type WhatsappWebClientFactory = () => Promise<WhatsappWebClient>;

export interface WwebjsOptions {
  /** LocalAuth's folder: the login survives restarts (`./data/whatsapp-web` by default). */
  sessionDir: string;
  /** Debian's Chromium; puppeteer never downloads a browser (see .puppeteerrc.cjs). */
  chromiumPath: string;
  logger: Logger;
}

/**
 * The real client: whatsapp-web.js with LocalAuth and the system Chromium, headless.
 * @see https://wwebjs.dev/guide/creating-your-bot/authentication.html#localauth-strategy
 */
export function wwebjsClientFactory(options: WwebjsOptions): WhatsappWebClientFactory {
  return async () => {
    const { default: wwebjs } = await import('whatsapp-web.js');
    const client = new wwebjs.Client({
      authStrategy: new wwebjs.LocalAuth({ dataPath: options.sessionDir }),
      puppeteer: {
        executablePath: options.chromiumPath,
        headless: true,
        // Containers and root shells have no user namespaces for Chromium's sandbox; /dev/shm is often tiny.
        args: ['--no-sandbox', '--disable-setuid-sandbox', '--disable-dev-shm-usage'],
      },
    });
    return {
      on: (event: string, listener: (...args: never[]) => void) => {
        client.on(event as 'ready', listener as () => void);
      },
      initialize: () => client.initialize(),
      destroy: () => client.destroy(),
      sendMessage: async (chatId, text) => client.sendMessage(chatId, text),
      sendSeen: (chatId) => client.sendSeen(chatId),
      sendTyping: async (chatId) => (await client.getChatById(chatId)).sendStateTyping(),
    } as WhatsappWebClient;
  };
}

/** Prints the login QR code in the terminal (qrcode-terminal), for whoever runs `sehat serve`. */
export async function printQrInTerminal(qr: string): Promise<void> {
  const { default: qrcode } = await import('qrcode-terminal');
  qrcode.generate(qr, { small: true }, (art) => process.stdout.write(`${art}\n`));
}
