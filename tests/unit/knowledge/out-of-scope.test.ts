import { describe, expect, it } from 'vitest';
import { parseEnv } from '../../../src/config/env.ts';
import { buildSnapshot } from '../../../src/knowledge/knowledge-snapshot.ts';
import { loadKnowledgeFiles } from '../../../src/knowledge/load-knowledge.ts';

const env = parseEnv({});
const kb = buildSnapshot(loadKnowledgeFiles('knowledge'), {
  languages: env.LANGUAGES,
  defaultLanguage: env.DEFAULT_LANGUAGE,
});

/** The bot must not answer what the reviewed knowledge base does not cover: these go to an educator. */
const OUT_OF_SCOPE: [string, string][] = [
  ['en', 'how do i prevent rabies from dog bites'],
  ['en', 'how to fix my car engine'],
  ['en', 'what is the capital of france'],
  ['en', 'best recipe for chocolate cake'],
  ['en', 'is bitcoin a good investment'],
  ['en', 'what causes psoriasis flare ups'],
  ['id', 'vaksin rabies untuk anjing dimana'],
  ['id', 'cara membuat kue coklat'],
  ['id', 'harga bitcoin hari ini berapa'],
  ['id', 'jadwal kereta ke bandung'],
  ['id', 'penyebab kutil di kaki apa'],
];

describe('questions outside the knowledge base', () => {
  it.each(OUT_OF_SCOPE)('[%s] "%s" is not answered with a guess', (lang, text) => {
    const [best] = kb.search(text, lang);
    expect(best?.confidence ?? 0).toBeLessThan(env.ANSWER_MIN_CONFIDENCE);
  });

  it('while real questions about the same words are answered', () => {
    expect(kb.search('how to prevent mosquito bites', 'en')[0]).toMatchObject({ articleId: 'dengue-prevention' });
    expect(kb.search('how to prevent mosquito bites', 'en')[0]?.confidence).toBeGreaterThanOrEqual(
      env.ANSWER_MIN_CONFIDENCE,
    );
  });
});
