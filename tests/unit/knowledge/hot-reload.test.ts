import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createKnowledgeBase } from '../../../src/knowledge/knowledge-base.ts';
import { createSilentLogger } from '../../../src/shared/logger.ts';
import { articleMarkdown, makeKnowledgeDir } from '../../support/knowledge-dir.ts';

describe('knowledge base reload', () => {
  it('keeps serving the last good version when an edit breaks a file, and takes the fixed one', () => {
    const dir = makeKnowledgeDir([
      {
        id: 'rabies',
        lang: 'en',
        title: 'Rabies',
        questions: ['what is rabies'],
        summary: 'Rabies is a virus spread by bites of infected animals like dogs.',
      },
    ]);
    const kb = createKnowledgeBase({
      dir,
      languages: ['en', 'id'],
      defaultLanguage: 'en',
      logger: createSilentLogger(),
    });
    const first = kb.current();
    expect(first.article('rabies', 'en')?.title).toBe('Rabies');

    writeFileSync(
      join(dir, 'en', 'rabies.md'),
      articleMarkdown({ id: 'rabies', lang: 'en', rawFrontMatter: 'id: rabies\nlang: en\ntitle: ""' }),
    );
    expect(kb.reload()).toBe(false);
    expect(kb.current()).toBe(first);
    expect(kb.current().search('what is rabies', 'en')[0]?.articleId).toBe('rabies');

    writeFileSync(
      join(dir, 'en', 'rabies.md'),
      articleMarkdown({
        id: 'rabies',
        lang: 'en',
        title: 'Rabies (updated)',
        questions: ['what is rabies'],
        summary: 'Rabies is a virus spread by bites of infected animals like dogs.',
      }),
    );
    expect(kb.reload()).toBe(true);
    expect(kb.current().article('rabies', 'en')?.title).toBe('Rabies (updated)');
  });

  it('reloads by itself when an editor saves a file', async () => {
    const dir = makeKnowledgeDir([{ id: 'rabies', lang: 'en', title: 'Rabies', questions: ['what is rabies'] }], {
      onlyThese: true,
    });
    const kb = createKnowledgeBase({ dir, languages: ['en'], defaultLanguage: 'en', logger: createSilentLogger() });
    kb.watch();
    try {
      writeFileSync(
        join(dir, 'en', 'rabies.md'),
        articleMarkdown({ id: 'rabies', lang: 'en', title: 'Rabies v2', questions: ['what is rabies'] }),
      );
      await expect.poll(() => kb.current().article('rabies', 'en')?.title, { timeout: 5000 }).toBe('Rabies v2');
    } finally {
      await kb.stop();
    }
  });
});
