import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lintKnowledge } from '../../../src/knowledge/lint.ts';
import { loadKnowledgeFiles } from '../../../src/knowledge/load-knowledge.ts';
import { makeKnowledgeDir, writeArticle } from '../../support/knowledge-dir.ts';

const lint = (dir: string, today = '2026-06-01') =>
  lintKnowledge(loadKnowledgeFiles(dir), { today, languages: ['en', 'id'] });

describe('kb lint', () => {
  it('passes the shipped knowledge base with no errors', () => {
    const problems = lintKnowledge(loadKnowledgeFiles('knowledge'), { today: '2026-11-25', languages: ['en', 'id'] });
    expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
  });

  it('names the file and field of a missing title, a bad date and a duplicate id', () => {
    const dir = makeKnowledgeDir([{ id: 'rabies', lang: 'en', questions: ['what is rabies'] }], { onlyThese: true });
    writeFileSync(
      join(dir, 'en', 'no-title.md'),
      '---\nid: no-title\nlang: en\ntopics: [x]\nquestions: [a b]\nsummary: "A summary long enough to pass the check."\nsources: [{title: WHO, url: "https://www.who.int/"}]\nreviewed_by: R\nreviewed_on: 2026-01-01\nreview_due: 2027-01-01\n---\n## A\nb\n',
    );
    writeFileSync(
      join(dir, 'en', 'bad-date.md'),
      '---\nid: bad-date\nlang: en\ntitle: Bad date\ntopics: [x]\nquestions: [c d]\nsummary: "A summary long enough to pass the check."\nsources: [{title: WHO, url: "https://www.who.int/"}]\nreviewed_by: R\nreviewed_on: 2026-02-30\nreview_due: 2027-01-01\n---\n## A\nb\n',
    );
    writeArticle(dir, { id: 'rabies', lang: 'en', questions: ['rabies again'] }, 'zz-copy.md');
    const problems = lint(dir);
    const describe = problems
      .filter((p) => p.severity === 'error')
      .map((p) => `${p.file} ${p.field ?? ''} ${p.message}`);
    expect(describe).toContainEqual(expect.stringMatching(/^en\/no-title\.md title is missing/));
    expect(describe).toContainEqual(expect.stringMatching(/^en\/bad-date\.md reviewed_on .*calendar date/));
    expect(describe).toContainEqual(
      expect.stringMatching(/^en\/zz-copy\.md id "rabies" duplicates the id of en\/rabies\.md/),
    );
  });

  it('warns about overdue reviews, missing translations and unfilled placeholders; errors on duplicate questions', () => {
    const dir = makeKnowledgeDir(
      [
        { id: 'alpha', lang: 'en', questions: ['shared question'] },
        {
          id: 'beta',
          lang: 'en',
          questions: ['Shared question?'],
          summary: 'Call {{clinic.nonexistent_phone}} to book a visit with the team.',
        },
      ],
      { onlyThese: true },
    );
    const problems = lint(dir, '2027-02-01');
    const text = problems.map((p) => `${p.severity} ${p.file} ${p.field ?? ''} ${p.message}`);
    expect(text).toContainEqual(
      expect.stringMatching(/^warning en\/alpha\.md review_due review was due on 2027-01-01/),
    );
    expect(text).toContainEqual(expect.stringMatching(/^warning id\/alpha\.md\s+missing translation/));
    expect(text).toContainEqual(
      expect.stringMatching(/^warning en\/beta\.md\s+placeholder \{\{clinic\.nonexistent_phone\}\}/),
    );
    expect(text).toContainEqual(
      expect.stringMatching(/^error en\/beta\.md questions "Shared question\?" is also listed in en\/alpha\.md/),
    );
    rmSync(dir, { recursive: true, force: true });
  });
});
