import { join } from 'node:path';
import { buildSnapshot } from '../../src/knowledge/knowledge-snapshot.ts';
import { loadKnowledgeFiles } from '../../src/knowledge/load-knowledge.ts';
import { createClassifier, loadSafetyRules, type SafetyRule } from '../../src/triage/index.ts';
import { normalizeText } from '../../src/triage/normalize.ts';
import type { Suite } from '../lib/context.ts';
import { median } from '../lib/stats.ts';
import { STARTER_KB, starterQuestions, topicWord } from '../lib/synthetic-kb.ts';

/**
 * 10. Triage cost per message as the rules grow to 5k phrases: the shipped rules plus synthetic emergency
 * rules (2–3-word phrases of made-up words and real symptom words, a few with a wildcard). Baseline: the
 * normalization every message needs anyway (fold + lexicon), the floor under any rule matching.
 */
const SYMPTOMS = [
  'pain',
  'bleeding',
  'fever',
  'sesak',
  'nyeri',
  'demam',
  'pusing',
  'kejang',
  'breath',
  'chest',
  'sakit',
  'darah',
];

function syntheticRules(phrases: number): SafetyRule[] {
  const rules: SafetyRule[] = [];
  for (let r = 0; r * 10 < phrases; r++) {
    const list: string[] = [];
    for (let p = 0; p < 10 && r * 10 + p < phrases; p++) {
      const n = r * 10 + p;
      const a = topicWord(n + 50_000);
      const b = SYMPTOMS[n % SYMPTOMS.length] as string;
      list.push(n % 7 === 0 ? `${a} * ${b}` : n % 3 === 0 ? `${b} ${a} ${topicWord(n + 90_000)}` : `${a} ${b}`);
    }
    rules.push({
      kind: 'triage',
      id: `syn-rule-${r}`,
      lang: 'en',
      appliesTo: ['*'],
      file: 'synthetic',
      class: 'emergency',
      phrases: list,
      patterns: [],
      all: [],
      unless: [],
    });
  }
  return rules;
}

const phraseCount = (rules: SafetyRule[]) =>
  rules.reduce((s, r) => s + r.phrases.length + (r.kind === 'triage' ? r.all.flat().length + r.unless.length : 0), 0);

export const triageSuite: Suite = {
  name: 'triage',
  title: 'Triage cost per message as rules grow to 5k phrases',
  async run(ctx) {
    const { reporter, quick, reps } = ctx;
    const files = loadKnowledgeFiles(STARTER_KB);
    const snapshot = buildSnapshot(files, { languages: ['en', 'id'], defaultLanguage: 'en' });
    const shipped = loadSafetyRules(join(STARTER_KB, 'safety')).rules;
    const shippedPhrases = phraseCount(shipped);
    const messages = [
      ...starterQuestions(),
      'my father has chest pain and cannot breathe, help',
      'anak saya kejang dan demam tinggi dari tadi',
      'I want to talk to a person please',
      'no chest pain, just a cough since yesterday',
      'what are the danger signs of a stroke?',
    ];
    const langOf = (i: number) => (i % 2 === 0 ? 'en' : 'id');
    const lexicons = (lang: string) => snapshot.lexicon(lang);
    const timePerMessage = (fn: (text: string, lang: string) => unknown) => {
      const rounds = quick ? 3 : 10;
      for (let i = 0; i < messages.length; i++) fn(messages[i] as string, langOf(i)); // warm-up / compile
      const t0 = performance.now();
      for (let r = 0; r < rounds; r++) for (let i = 0; i < messages.length; i++) fn(messages[i] as string, langOf(i));
      return ((performance.now() - t0) * 1000) / (rounds * messages.length);
    };
    const targets = [0, 500, 1000, 5000, 10_000]
      .filter((t) => t === 0 || t > shippedPhrases)
      .map((t) => Math.max(0, t - shippedPhrases));
    for (const extra of targets) {
      const rules = [...shipped, ...syntheticRules(extra)];
      const total = phraseCount(rules);
      const classifier = createClassifier(rules, { lexicons });
      const base: number[] = [];
      const sys: number[] = [];
      for (let rep = 0; rep < reps; rep++) {
        base.push(timePerMessage((text, lang) => normalizeText(text, lexicons(lang))));
        sys.push(timePerMessage((text, lang) => classifier(text, lang)));
      }
      base.push(timePerMessage((text, lang) => normalizeText(text, lexicons(lang))));
      reporter.emit({
        suite: 'triage',
        name: `per_message_at_${total}_phrases`,
        value: median(sys),
        unit: 'µs',
        baseline: median(base),
        baselineName: 'normalization only',
        ...(total === 5000 && {
          target: { on: 'value' as const, op: '<=' as const, threshold: 50, text: '≤ 50 µs at 5k' },
        }),
        note:
          extra === 0
            ? `the shipped rules (${shipped.length} rules, ${total} phrases incl. all/unless groups and cues; patterns too); ${messages.length} messages (starter questions EN+ID and safety cases)`
            : `shipped + ${extra} synthetic emergency phrases`,
      });
    }
  },
};
