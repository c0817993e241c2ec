import { describe, expect, it } from 'vitest';
import { loadSafetyRules } from '../../../src/triage/index.ts';
import { KNOWLEDGE_DIR, knowledgeDir } from './support.ts';

const load = (files: Record<string, string>) => loadSafetyRules(knowledgeDir(files).safetyDir);

const VALID = `
applies_to: ["*"]
rules:
  - id: en-chest-pain
    class: emergency
    phrases: ["chest pain", "pain in * chest"]
  - id: en-cue-no
    cue: negation
    phrases: [no, not]
`;

describe('loadSafetyRules', () => {
  it('reads rules with their language, file and the languages they apply to', () => {
    const { rules, problems } = load({
      'safety/rules/en.yaml': VALID,
      'safety/rules/id.yaml': 'rules:\n  - id: id-kejang\n    class: emergency\n    phrases: [kejang]\n',
    });
    expect(problems).toEqual([]);
    expect(rules.map((r) => [r.id, r.kind, r.lang, r.appliesTo, r.file])).toEqual([
      ['en-chest-pain', 'triage', 'en', ['*'], 'safety/rules/en.yaml'],
      ['en-cue-no', 'cue', 'en', ['*'], 'safety/rules/en.yaml'],
      ['id-kejang', 'triage', 'id', ['id'], 'safety/rules/id.yaml'], // no applies_to: its own language only
    ]);
  });

  it('also reads rules/<lang>/*.yaml, for editors who split a language by topic', () => {
    const { rules, problems } = load({
      'safety/rules/ms/kecemasan.yaml': 'rules:\n  - id: ms-sawan\n    class: emergency\n    phrases: [sawan]\n',
    });
    expect(problems).toEqual([]);
    expect(rules.map((r) => [r.id, r.lang])).toEqual([['ms-sawan', 'ms']]);
  });

  it('reports a file that is not valid YAML, and keeps the other files', () => {
    const { rules, problems } = load({
      'safety/rules/en.yaml': 'rules: [unclosed',
      'safety/rules/id.yaml': 'rules:\n  - id: id-kejang\n    class: emergency\n    phrases: [kejang]\n',
    });
    expect(problems).toEqual([
      expect.objectContaining({
        severity: 'error',
        file: 'safety/rules/en.yaml',
        message: expect.stringMatching(/not valid YAML/),
      }),
    ]);
    expect(rules.map((r) => r.id)).toEqual(['id-kejang']);
  });

  it('names the file and field of a missing or wrong field, and leaves out only that rule', () => {
    const { rules, problems } = load({
      'safety/rules/en.yaml': `rules:
  - id: en-good
    class: crisis
    phrases: [suicide]
  - id: en-no-class
    phrases: [x]
  - class: emergency
    phrases: [y]
  - id: en-bad-class
    class: urgent
    phrases: [z]
`,
    });
    expect(rules.map((r) => r.id)).toEqual(['en-good']);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          file: 'safety/rules/en.yaml',
          field: 'rules.1.class',
          message: expect.stringMatching(/class or cue.*en-no-class/),
        }),
        expect.objectContaining({ file: 'safety/rules/en.yaml', field: 'rules.2.id', message: 'is missing' }),
        expect.objectContaining({
          file: 'safety/rules/en.yaml',
          field: 'rules.3.class',
          message: expect.stringMatching(/en-bad-class/),
        }),
      ]),
    );
  });

  it('rejects duplicate ids, also across files', () => {
    const rule = (id: string) => `rules:\n  - id: ${id}\n    class: emergency\n    phrases: [x]\n`;
    const { rules, problems } = load({
      'safety/rules/en.yaml': rule('en-x'),
      'safety/rules/en/more.yaml': rule('en-x'),
    });
    expect(rules).toHaveLength(1);
    expect(problems).toEqual([
      expect.objectContaining({
        field: 'rules.0.id',
        message: expect.stringMatching(/^duplicates the id "en-x" already used in safety\/rules\//),
      }),
    ]);
  });

  it.each([
    [
      'an id without the file language',
      '  - id: id-kejang\n    class: emergency\n    phrases: [x]',
      'rules.0.id',
      /must start with "en-"/,
    ],
    [
      'an id that is not kebab-case',
      '  - id: en_Chest\n    class: emergency\n    phrases: [x]',
      'rules.0.id',
      /kebab-case/,
    ],
    [
      'a phrase starting with *',
      '  - id: en-x\n    class: emergency\n    phrases: ["* chest"]',
      'rules.0.phrases.0',
      /must start with a word/,
    ],
    [
      'an invalid pattern',
      "  - id: en-x\n    class: emergency\n    patterns: ['(chest']",
      'rules.0.patterns.0',
      /not a valid regular expression/,
    ],
    [
      'a back-reference',
      "  - id: en-x\n    class: emergency\n    patterns: ['(a)\\1']",
      'rules.0.patterns.0',
      /back-references/,
    ],
    [
      'a named group',
      "  - id: en-x\n    class: emergency\n    patterns: ['(?<x>a)']",
      'rules.0.patterns.0',
      /named groups/,
    ],
    ['a rule with nothing to match', '  - id: en-x\n    class: emergency', 'rules.0.phrases', /at least one of/],
    [
      'an all with one group',
      '  - id: en-x\n    class: emergency\n    all: [[a]]',
      'rules.0.all',
      /two or more groups/,
    ],
    [
      'a cue with unless',
      '  - id: en-x\n    cue: negation\n    phrases: [no]\n    unless: [y]',
      'rules.0.cue',
      /only phrases and patterns/,
    ],
    [
      'both class and cue',
      '  - id: en-x\n    class: emergency\n    cue: negation\n    phrases: [no]',
      'rules.0.class',
      /either class or cue/,
    ],
    ['a misspelt key', '  - id: en-x\n    class: emergency\n    phrase: [x]', 'rules.0', /phrase/],
    [
      'a phrase that is not text',
      '  - id: en-x\n    class: emergency\n    phrases: [{a: 1}]',
      'rules.0.phrases.0',
      /word or phrase/,
    ],
  ])('reports %s with its file and field', (_name, rule, field, message) => {
    const { problems } = load({ 'safety/rules/en.yaml': `rules:\n${rule}\n` });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          severity: 'error',
          file: 'safety/rules/en.yaml',
          field,
          message: expect.stringMatching(message),
        }),
      ]),
    );
  });

  it('reports a bad applies_to and a missing rules folder instead of throwing', () => {
    expect(load({ 'safety/rules/en.yaml': 'applies_to: [English]\nrules: []\n' }).problems).toEqual([
      expect.objectContaining({ file: 'safety/rules/en.yaml', field: 'applies_to.0' }),
    ]);
    expect(load({ 'safety/numbers.yaml': 'countries: {}\n' }).problems).toEqual([
      expect.objectContaining({ file: 'safety/rules', message: 'no safety rule files found' }),
    ]);
  });

  it('loads the shipped rules without problems', () => {
    const { rules, problems } = loadSafetyRules(`${KNOWLEDGE_DIR}/safety`);
    expect(problems).toEqual([]);
    const langs = new Set(rules.map((r) => r.lang));
    expect([...langs].sort()).toEqual(['en', 'id', 'ms']);
  });
});
