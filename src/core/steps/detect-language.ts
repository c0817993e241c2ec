import { detectLanguage } from '../../knowledge/language-detect.ts';
import type { Step } from '../compose.ts';
import type { Turn } from '../turn.ts';

/**
 * Picks the reply language for this message: the patient's /lang choice wins; otherwise a clear detection
 * of this message; otherwise the conversation's language, the platform locale, or the default.
 */
export const detectLanguageStep: Step<Turn> = async (turn, next) => {
  const { languages, defaultLanguage } = turn.settings;
  const locale = turn.inbound.from.locale?.slice(0, 2).toLowerCase();
  const known =
    turn.conversation.language ?? turn.contact.language ?? (locale && languages.includes(locale) ? locale : undefined);
  if (turn.state.languageLocked && known) {
    turn.language = known;
    turn.languageConfident = true;
  } else {
    const guess = turn.text ? detectLanguage(turn.text, languages) : undefined;
    if (guess && (guess.confident || !known)) {
      turn.language = guess.lang;
      turn.languageConfident = guess.confident;
    } else {
      turn.language = known ?? defaultLanguage;
      turn.languageConfident = false;
    }
  }
  await next();
};
