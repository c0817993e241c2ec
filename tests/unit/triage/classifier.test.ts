import { describe, expect, it } from 'vitest';
import { buildLexicon, lexiconFileSchema } from '../../../src/knowledge/lexicon.ts';
import { foldWords } from '../../../src/knowledge/text-analysis.ts';
import { createClassifier } from '../../../src/triage/index.ts';
import { rulesFrom, shippedClassifier } from './support.ts';

/** A small English rule book: enough cues to exercise the heuristic, one rule per class. */
const EN = `
applies_to: ["*"]
rules:
  - id: en-crisis
    class: crisis
    phrases: [kill myself, want to die]
  - id: en-chest
    class: emergency
    phrases: [chest pain, pain in * chest]
  - id: en-bleeding-pregnant
    class: emergency
    all: [[pregnant], [bleeding]]
  - id: en-stroke
    class: emergency
    phrases: [having a stroke]
    unless: [last year]
  - id: en-seizure
    class: emergency
    patterns: ['\\bseiz[a-z]*|convulsion']
  - id: en-complaint
    class: complaint
    phrases: [rude, want to complain]
  - id: en-human
    class: human_request
    phrases: [talk to a nurse]
  - id: en-dose
    class: personal_medical
    phrases: [my dose]
  - id: en-cue-neg
    cue: negation
    phrases: [no, not, don't]
  - id: en-cue-neg-after
    cue: negation_after
    phrases: [none]
  - id: en-cue-pseudo
    cue: pseudo_negation
    phrases: [not sure]
  - id: en-cue-break
    cue: clause_break
    phrases: [but]
  - id: en-cue-edu
    cue: education
    phrases: [what are, signs of, how do i know, is it normal]
  - id: en-cue-situation
    cue: situation
    phrases: [i have, i'm, my, now]
`;

describe('createClassifier (mechanics)', () => {
  const classify = createClassifier(rulesFrom({ 'safety/rules/en.yaml': EN }));

  it('is routine, with no rule ids, when nothing fires', () => {
    expect(classify('what are the visiting hours?', 'en')).toEqual({ triage: 'routine', rules: [] });
    expect(classify('', 'en')).toEqual({ triage: 'routine', rules: [] });
  });

  it('applies the precedence crisis > emergency > complaint > personal_medical > human_request and records every rule that fired', () => {
    expect(classify('the nurse was rude, I want to talk to a nurse about my dose', 'en')).toEqual({
      triage: 'complaint',
      rules: ['en-complaint', 'en-dose', 'en-human'],
    });
    expect(classify('chest pain and I want to die', 'en')).toEqual({
      triage: 'crisis',
      rules: ['en-crisis', 'en-chest'],
    });
    expect(classify('I want to complain, I have chest pain', 'en').triage).toBe('emergency');
    expect(classify('my dose, can I talk to a nurse', 'en')).toEqual({
      triage: 'personal_medical',
      rules: ['en-dose', 'en-human'],
    });
  });

  it('matches phrases on whole words after folding, with * for any one word', () => {
    expect(classify('CHEST-PAIN!!', 'en').rules).toEqual(['en-chest']);
    expect(classify('pain in my chest', 'en').rules).toEqual(['en-chest']);
    expect(classify('pain in the left chest', 'en').rules).toEqual([]); // * is exactly one word
    expect(classify('chestpain', 'en').rules).toEqual([]);
  });

  it('matches patterns on the normalized text', () => {
    expect(classify('She is SEIZING', 'en').rules).toEqual(['en-seizure']);
  });

  it('fires an `all` rule only when every group matches', () => {
    expect(classify('pregnant and bleeding', 'en').rules).toEqual(['en-bleeding-pregnant']);
    expect(classify('bleeding gums', 'en').rules).toEqual([]);
  });

  it('lets `unless` switch a rule off for the whole message', () => {
    expect(classify('dad is having a stroke', 'en').triage).toBe('emergency');
    expect(classify('dad was having a stroke last year, what can he eat', 'en').triage).toBe('routine');
  });

  describe('negation', () => {
    it('cancels a match a few words after a negation in the same clause', () => {
      expect(classify('no chest pain, just a cough', 'en').triage).toBe('routine');
      expect(classify("I don't have any chest pain", 'en').triage).toBe('routine');
      expect(classify('chest pain: none', 'en').triage).toBe('routine');
    });
    it('stops at a clause boundary (punctuation or a clause_break cue)', () => {
      expect(classify('no fever, chest pain since noon', 'en').triage).toBe('emergency');
      expect(classify('no fever but chest pain', 'en').triage).toBe('emergency');
    });
    it('ignores pseudo-negations and negations that a situation cue interrupts', () => {
      expect(classify('not sure chest pain is why', 'en').triage).toBe('emergency');
      expect(classify('no my chest pain is back', 'en').triage).toBe('emergency');
    });
    it('never cancels a crisis', () => {
      expect(classify("I don't want to die like this, I want to kill myself", 'en').triage).toBe('crisis');
      expect(classify('no, I want to die', 'en').triage).toBe('crisis');
    });
  });

  describe('education framing', () => {
    it('makes a question about a topic routine', () => {
      expect(classify('what are the signs of chest pain from the heart?', 'en').triage).toBe('routine');
      expect(classify('is it normal to be pregnant and bleeding', 'en').triage).toBe('routine');
    });
    it('keeps the emergency when someone is affected now, anywhere in the message', () => {
      expect(classify('I have chest pain, what are the signs of a heart attack?', 'en').triage).toBe('emergency');
      expect(classify("i'm pregnant. is it normal to be bleeding?", 'en').triage).toBe('emergency');
    });
    it('does not count the asker inside an education cue as a situation', () => {
      expect(classify('how do i know if it is chest pain from the heart', 'en').triage).toBe('routine');
    });
    it('only reaches the clause it is in', () => {
      expect(classify('chest pain. what are my options', 'en').triage).toBe('emergency');
    });
    it('never downgrades a crisis', () => {
      expect(classify('what are the signs of wanting to kill myself', 'en').triage).toBe('crisis');
    });
    it('does not downgrade the other classes', () => {
      expect(classify('what are the nurses like, is it normal that they are rude?', 'en').triage).toBe('complaint');
    });
  });

  it('explains which words matched and why a match did not count', () => {
    const result = createClassifier(rulesFrom({ 'safety/rules/en.yaml': EN })).explain(
      'no chest pain, just a cough',
      'en',
    );
    expect(result.tokens).toEqual(['no', 'chest', 'pain', 'just', 'a', 'cough']);
    expect(result.matches).toEqual(
      expect.arrayContaining([
        { ruleId: 'en-cue-neg', kind: 'negation', words: 'no', verdict: 'cue' },
        { ruleId: 'en-chest', kind: 'emergency', words: 'chest pain', verdict: 'negated' },
      ]),
    );
  });
});

describe('createClassifier (languages and lexicons)', () => {
  const ID = `
applies_to: [id, ms]
rules:
  - id: id-kejang
    class: emergency
    phrases: [kejang, gak bisa napas]
  - id: id-cue-negasi
    cue: negation
    phrases: [tidak]
`;
  const MS = `
applies_to: [ms, id]
rules:
  - id: ms-sawan
    class: emergency
    phrases: [sawan]
`;
  const rules = rulesFrom({ 'safety/rules/en.yaml': EN, 'safety/rules/id.yaml': ID, 'safety/rules/ms.yaml': MS });
  const idLexicon = buildLexicon(
    [lexiconFileSchema.parse({ normalize: { gak: 'tidak', ga: 'tidak', sy: 'saya' } })],
    foldWords,
  );
  const classify = createClassifier(rules, {
    lexicons: (lang) => (lang === 'id' ? idLexicon : buildLexicon([], foldWords)),
  });

  it('runs English rules on every language, as patients mix languages', () => {
    expect(classify('anak saya chest pain', 'id').rules).toEqual(['en-chest']);
    expect(classify('chest pain', 'xx').rules).toEqual(['en-chest']);
  });

  it('runs the rules of the languages a file names in applies_to', () => {
    expect(classify('anak saya sawan', 'id').rules).toEqual(['ms-sawan']);
    expect(classify('anak saya kejang', 'ms').rules).toEqual(['id-kejang']);
    expect(classify('anak saya kejang', 'en').rules).toEqual([]);
  });

  it("compiles phrases with the language's lexicon, so slang in the rule and in the message meet", () => {
    expect(classify('ga bisa napas', 'id').rules).toEqual(['id-kejang']); // rule says "gak", message "ga"
    expect(classify('tidak bisa napas', 'id').rules).toEqual(['id-kejang']);
  });

  it('accepts a new language from data alone', () => {
    const TL = `
rules:
  - id: tl-kombulsyon
    class: emergency
    phrases: [kinukumbulsyon]
  - id: tl-cue-hindi
    cue: negation
    phrases: [hindi]
`;
    const withTagalog = createClassifier(rulesFrom({ 'safety/rules/en.yaml': EN, 'safety/rules/tl.yaml': TL }));
    expect(withTagalog('ang anak ko ay kinukumbulsyon', 'tl')).toEqual({
      triage: 'emergency',
      rules: ['tl-kombulsyon'],
    });
    expect(withTagalog('hindi kinukumbulsyon', 'tl').triage).toBe('routine');
    expect(withTagalog('kinukumbulsyon', 'en').triage).toBe('routine'); // its applies_to defaults to tl only
  });
});

describe('shipped rules: the examples of the issue', () => {
  const { classifier } = shippedClassifier();
  it.each([
    ['en', 'what are the danger signs in pregnancy?', 'routine'],
    ['en', 'how do i know if it’s a stroke', 'routine'],
    ['id', 'tanda bahaya kehamilan apa saja', 'routine'],
    ['id', 'gejala DBD apa aja', 'routine'],
    ['en', 'no chest pain, just a cough', 'routine'],
    ['id', 'tidak sesak napas', 'routine'],
    ['en', 'I have chest pain, what should I do?', 'emergency'],
    ['id', 'anak saya kejang, harus gimana?', 'emergency'],
    ['en', 'how many pills to kill myself', 'crisis'],
    ['en', 'I want to sleep and not wake up', 'crisis'],
    ['id', 'dada sakit bgt sesak', 'emergency'],
    ['id', 'ank sy kejang2', 'emergency'],
    ['id', 'pengen mati aja', 'crisis'],
    ['id', 'mau ngomong sm perawat', 'human_request'],
    ['id', 'pelayanannya parah bgt, mau sy viralin', 'complaint'],
    ['id', 'dosis amoxicillin buat anak sy brp', 'personal_medical'],
    ['id', 'hasil lab sy normal ga', 'personal_medical'],
    ['id', 'obat darah tinggi harus diminum terus?', 'routine'],
    ['en', 'what is paracetamol for', 'routine'],
  ])('[%s] %s → %s', (lang, text, expected) => {
    expect(classifier(text, lang).triage).toBe(expected);
  });

  it('records the ids of the rules that fired', () => {
    expect(classifier('I took 30 pills because I want to die', 'en')).toEqual({
      triage: 'crisis',
      rules: expect.arrayContaining(['en-suicide-direct', 'en-poisoning']),
    });
  });

  it.each([
    ['anak saya kena sawan dari tadi', 'emergency', 'ms-sawan-pengsan'],
    ['ayah saya pengsan di bilik air', 'emergency', 'ms-sawan-pengsan'],
    ['mak saya kena angin ahmar, mulut senget', 'emergency', 'ms-strok'],
    ['saya rasa nak mati', 'crisis', 'ms-bunuh-diri'],
    ['saya tak puas hati dengan layanan kaunter', 'complaint', 'ms-aduan'],
    ['nak cakap dengan doktor boleh?', 'human_request', 'ms-minta-manusia'],
    ['tak sawan pun, cuma demam', 'routine', undefined],
    ['apa tanda tanda sawan pada kanak kanak', 'routine', undefined],
  ])('Malay works from the data files alone: %s', (text, expected, ruleId) => {
    const result = classifier(text, 'ms');
    expect(result.triage).toBe(expected);
    if (ruleId) expect(result.rules).toContain(ruleId);
  });
});
