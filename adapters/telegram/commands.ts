/**
 * The bot's command menu (the "/" button in Telegram), registered with setMyCommands in each language the
 * clinic serves. The commands themselves are handled by the core; these are only their menu descriptions.
 * @see https://core.telegram.org/bots/api#setmycommands
 * @see https://core.telegram.org/bots/features#commands
 */
export const MENU_COMMANDS = ['start', 'help', 'lang', 'human', 'mydata', 'stop'] as const;

type MenuCommand = (typeof MENU_COMMANDS)[number];

const DESCRIPTIONS: Record<string, Record<MenuCommand, string>> = {
  en: {
    start: 'Start: what this assistant does',
    help: 'How to use this assistant',
    lang: 'Change the language (e.g. /lang id)',
    human: 'Talk to a health educator',
    mydata: 'See the data we keep about you',
    stop: 'Stop the conversation',
  },
  id: {
    start: 'Mulai: apa yang bisa dilakukan asisten ini',
    help: 'Cara menggunakan asisten ini',
    lang: 'Ganti bahasa (mis. /lang en)',
    human: 'Bicara dengan edukator kesehatan',
    mydata: 'Lihat data Anda yang kami simpan',
    stop: 'Hentikan percakapan',
  },
  ms: {
    start: 'Mula: apa yang pembantu ini boleh buat',
    help: 'Cara menggunakan pembantu ini',
    lang: 'Tukar bahasa (cth. /lang en)',
    human: 'Bercakap dengan pendidik kesihatan',
    mydata: 'Lihat data anda yang kami simpan',
    stop: 'Hentikan perbualan',
  },
};

export interface BotCommand {
  command: string;
  description: string;
}

/** The menu in a language (English for a language without descriptions here). */
export function commandMenu(language: string): BotCommand[] {
  const descriptions = DESCRIPTIONS[language] ?? (DESCRIPTIONS.en as Record<MenuCommand, string>);
  return MENU_COMMANDS.map((command) => ({ command, description: descriptions[command] }));
}
