import { STOPWORDS } from '../knowledge/stopwords.ts';

/**
 * Personal details are replaced by placeholders before any text leaves for the model, and put back only in
 * the answer the patient reads. One Redactor serves a whole turn (history and message), so the same detail
 * always gets the same placeholder and the model can still follow who is who ("[NAME_1]'s father").
 *
 * What counts (deliberately broad: a false positive costs a little context, a miss leaks PHI):
 * - names: the contact's display name, names after "my name is …", "nama saya …" and after titles
 *   (Mr, Dr, Pak, Bu, …);
 * - e-mail addresses; phone numbers (a + or leading 0 and 9+ digits);
 * - ID, insurance and record numbers: any run of 8+ digits (NIK has 16, BPJS 13, MyKad 12), and shorter
 *   codes after words like NIK, BPJS, KTP, passport, insurance, policy, member, MRN, "rekam medis";
 * - addresses: "Jl./Jalan/Gang … ", "RT 03 RW 05", "12 Baker Street", "alamat …", "I live at …";
 * - dates of birth after "born", "DOB", "lahir".
 * Health numbers (blood sugar 200, 120/80, 38.5 °C, 2 tablets) are short and are kept.
 */
export type PiiKind = 'NAME' | 'PHONE' | 'EMAIL' | 'ID' | 'ADDRESS' | 'DATE';

export interface Redactor {
  /** Replaces personal details with placeholders like [PHONE_1]. */
  redact(text: string): string;
  /** Puts the originals back (only for what the patient will read). Unknown placeholders are dropped. */
  restore(text: string): string;
  /** Kinds and counts of what was redacted (for the Decision; never the values). */
  counts(): Partial<Record<PiiKind, number>>;
}

const NAME_WORD = "[\\p{Lu}][\\p{L}'’-]+";
const CAPITALISED_NAME = `${NAME_WORD}(?:\\s+${NAME_WORD}){0,3}`;
const ANY_WORD = "[\\p{L}'’-]{2,}";

interface Rule {
  kind: PiiKind;
  pattern: RegExp;
  /** Which capture group is the detail (0 = the whole match). */
  group?: number;
}

const RULES: Rule[] = [
  { kind: 'EMAIL', pattern: /[\p{L}\d._%+-]+@[\p{L}\d-]+(?:\.[\p{L}\d-]+)+/gu },
  {
    kind: 'DATE',
    pattern:
      /\b(?:born(?: on)?|date of birth|dob|d\.o\.b\.?|lahir(?: pada| tanggal| tgl)?|tgl lahir|tanggal lahir|ttl)\s*:?\s*([\d]{1,4}[\s./-]+(?:[\d]{1,2}|\p{L}{3,9})[\s./-]+[\d]{2,4})/giu,
    group: 1,
  },
  {
    kind: 'ID',
    pattern:
      /\b(?:nik|ktp|kk|bpjs|jkn|kis|npwp|sim|passport|paspor|mykad|ic|id|identity|identitas|insurance|asuransi|policy|polis|member(?:ship)?|peserta|kartu|card|mrn|medical record|rekam medis|no\.?\s*rm)(?:\s+(?:no\.?|number|nomor|num|#))?\s*(?:is|adalah|saya|:|#)?\s*((?=[A-Z0-9-]*\d)[A-Z0-9][A-Z0-9-]{4,})\b/giu,
    group: 1,
  },
  { kind: 'PHONE', pattern: /(?:\+\d|\b0)\d?[\d\s.()-]{7,16}\d\b/g },
  { kind: 'ID', pattern: /\b\d(?:[\s./-]?\d){7,}\b/g },
  {
    kind: 'ADDRESS',
    pattern:
      /\b(?:jl|jln|jalan|gg|gang|lorong|perumahan|perum|komplek|kompleks|blok|desa|dusun|kelurahan|kel|kecamatan|kec|kampung|kp|taman|lrg)\.?\s+[^\n,;!?]{2,50}?(?=[,;!?\n]|\.\s(?!\d)|\.$|$|\s+(?:and|dan|but|tapi|what|apa|how|bagaimana|is|apakah)\b)/giu,
  },
  { kind: 'ADDRESS', pattern: /\bRT\.?\s*\d{1,3}\s*\/?\s*RW\.?\s*\d{1,3}\b/giu },
  {
    kind: 'ADDRESS',
    pattern:
      /\b\d{1,5}[a-z]?\s+(?:[\p{Lu}][\p{L}'-]+\s+){1,4}(?:street|st|road|rd|avenue|ave|lane|ln|drive|dr|close|crescent|way)\b\.?/gu,
  },
  {
    kind: 'ADDRESS',
    pattern:
      /\b(?:i live at|i live on|we live at|my address is|address:|alamat(?:nya)?(?: saya| kami| rumah)?(?: di| adalah|:)?|tinggal di|rumah saya di)\s+([^\n,;!?]{3,60}?)(?=[,;!?\n]|\.\s|\.$|$)/giu,
    group: 1,
  },
  {
    kind: 'NAME',
    pattern: new RegExp(
      `\\b(?:my name is|my name's|i am called|i'm called|call me|this is|nama saya|namaku|nama aku|nama gue|saya bernama|aku bernama|panggil saya|nama (?:ayah|bapak|ibu|mama|papa|anak|suami|istri|adik|kakak) saya(?: adalah)?|(?:my )?(?:father|dad|mother|mum|mom|son|daughter|husband|wife|child)(?:'s name)? is called|named)\\s+(${CAPITALISED_NAME}|${ANY_WORD})`,
      'giu',
    ),
    group: 1,
  },
  {
    // Case-sensitive: "I'm Siti" is a name, "I'm diabetic" is not.
    kind: 'NAME',
    pattern: new RegExp(`(?:\\bI'm|\\bI am|\\bIm|\\b[Ss]aya|\\b[Aa]ku|\\b[Ii]ni)\\s+(${CAPITALISED_NAME})`, 'gu'),
    group: 1,
  },
  {
    kind: 'NAME',
    pattern: new RegExp(
      `\\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Pak|Bu|Bapak|Ibu|Mas|Mbak|Kak|Bang|Tuan|Puan|Encik|Cik|Haji|Hajah|Dato'?|Datin|Datuk|Sdr|Sdri)\\.?\\s+(${CAPITALISED_NAME})`,
      'gu',
    ),
    group: 1,
  },
];

/** Words after a title that are not names ("Ibu Hamil" in a heading, "Dr Appointment"). */
const NOT_NAMES = new Set(
  'hamil menyusui saya kami anda kamu dia the a an appointment clinic klinik rumah hospital dokter doctor nurse perawat bidan'.split(
    ' ',
  ),
);
/** A captured name ends at the first function word ("john and my dad …" → "john"). */
const NAME_ENDS = new Set(Object.values(STOPWORDS).flat());

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function createRedactor(options: { names?: (string | null | undefined)[] } = {}): Redactor {
  const byValue = new Map<string, string>();
  const byPlaceholder = new Map<string, string>();
  const counters: Partial<Record<PiiKind, number>> = {};
  const knownNames = new Set<string>();

  /** Parts of a known full name ("Siti" of "Siti Rahayu") share its placeholder, so restoring gives the full name. */
  const aliases = new Map<string, string>();
  const placeholderFor = (kind: PiiKind, found: string) => {
    const value = kind === 'NAME' ? (aliases.get(found.toLowerCase()) ?? found) : found;
    const key = `${kind}:${value.toLowerCase()}`;
    let placeholder = byValue.get(key);
    if (!placeholder) {
      counters[kind] = (counters[kind] ?? 0) + 1;
      placeholder = `[${kind}_${counters[kind]}]`;
      byValue.set(key, placeholder);
      byPlaceholder.set(placeholder, value);
    }
    return placeholder;
  };

  const addName = (name: string) => {
    const clean = name.trim();
    if (clean.length < 2 || NOT_NAMES.has(clean.toLowerCase())) return false;
    knownNames.add(clean);
    return true;
  };
  for (const name of options.names ?? []) {
    if (!name?.trim()) continue;
    addName(name);
    // Each part of a full name on its own too ("Siti" of "Siti Rahayu"), when it is not a tiny word.
    for (const part of name.trim().split(/\s+/))
      if (part.length >= 3 && addName(part)) aliases.set(part.toLowerCase(), name.trim());
  }

  const replaceKnownNames = (text: string) => {
    // Longest first, so "Siti Rahayu" becomes one placeholder rather than two.
    for (const name of [...knownNames].sort((a, b) => b.length - a.length)) {
      const pattern = new RegExp(`(?<![\\p{L}\\d])${escapeRegExp(name)}(?![\\p{L}\\d])`, 'giu');
      text = text.replace(pattern, (match) => placeholderFor('NAME', match));
    }
    return text;
  };

  return {
    redact(text) {
      let out = text;
      for (const rule of RULES) {
        out = out.replace(rule.pattern, (...args: unknown[]) => {
          const match = args[0] as string;
          const detail = (rule.group ? (args[rule.group] as string | undefined) : match) ?? '';
          if (!detail || /^\[[A-Z]+_\d+\]$/.test(detail)) return match;
          if (rule.kind === 'NAME') {
            const words: string[] = [];
            for (const word of detail.split(/\s+/)) {
              if (NAME_ENDS.has(word.toLowerCase()) || NOT_NAMES.has(word.toLowerCase())) break;
              words.push(word);
            }
            if (words.length === 0) return match;
            const name = words.join(' ');
            const start = match.lastIndexOf(detail);
            const tail = match.slice(start + name.length);
            addName(name);
            return match.slice(0, start) + placeholderFor('NAME', name) + tail;
          }
          return match.replace(detail, placeholderFor(rule.kind, detail.trim()));
        });
      }
      return replaceKnownNames(out);
    },
    restore(text) {
      return text.replace(/\[(?:NAME|PHONE|EMAIL|ID|ADDRESS|DATE)_\d+\]/g, (p) => byPlaceholder.get(p) ?? '').trim();
    },
    counts: () => ({ ...counters }),
  };
}
