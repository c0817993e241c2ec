import { describe, expect, it } from 'vitest';
import { createRedactor } from '../../../src/llm/redact-pii.ts';

describe('PII redaction before anything leaves for the model', () => {
  const cases: [string, string, string[]][] = [
    ['phone (Indonesian, spaced)', 'call me on +62 812 3456 7890 please', ['+62 812 3456 7890']],
    ['phone (local, dashes)', 'no hp saya 0812-3456-7890', ['0812-3456-7890']],
    ['e-mail', 'write to budi.s@example.co.id', ['budi.s@example.co.id']],
    ['NIK (16 digits)', 'NIK saya 3174012345678901', ['3174012345678901']],
    ['BPJS number', 'my BPJS number is 0001234567890', ['0001234567890']],
    ['insurance policy code', 'insurance policy AB-12345', ['AB-12345']],
    ['MyKad', 'IC 850101-14-5678', ['850101-14-5678']],
    ['Indonesian address', 'alamat saya Jl. Merdeka No. 10, Jakarta', ['Merdeka No. 10']],
    ['RT/RW', 'rumah di RT 03/RW 05 dekat masjid', ['RT 03/RW 05']],
    ['English address', 'I live at 12 Baker Street.', ['12 Baker Street']],
    ['date of birth', 'born 12/03/1985', ['12/03/1985']],
    ['name after "my name is"', 'my name is John and my dad has diabetes', ['John']],
    ['name after "nama saya"', 'nama saya budi santoso, mau tanya', ['budi santoso']],
    ['name after a title', 'Tanya Bu Ani dan Dr. Hendra Wijaya', ['Ani', 'Hendra Wijaya']],
    ['"I\'m" + a capitalised name', "Hi, I'm Siti, what is dengue?", ['Siti']],
  ];
  it.each(cases)('%s', (_, text, secrets) => {
    const redacted = createRedactor().redact(text);
    for (const secret of secrets) expect(redacted).not.toContain(secret);
    expect(redacted).toMatch(/\[(NAME|PHONE|EMAIL|ID|ADDRESS|DATE)_1\]/);
  });

  it('keeps health numbers and ordinary words', () => {
    const text =
      'my blood pressure is 150/90, sugar 200 mg/dL, temp 38.5, I take 2 tablets of 500 mg. Ibu hamil boleh?';
    expect(createRedactor().redact(text)).toBe(text);
  });

  it("knows the contact's display name, whole and in parts, in any case", () => {
    const redactor = createRedactor({ names: ['Siti Rahayu'] });
    expect(redactor.redact('Siti Rahayu here; siti again; RAHAYU too')).toBe(
      '[NAME_1] here; [NAME_1] again; [NAME_1] too',
    );
  });

  it('gives the same detail the same placeholder across texts, and restores only for the patient', () => {
    const redactor = createRedactor({ names: ['Siti Rahayu'] });
    const history = redactor.redact('Siti Rahayu: my number is 0812-3456-7890');
    const message = redactor.redact('again, 0812-3456-7890, Siti Rahayu');
    expect(history).toBe('[NAME_1]: my number is [PHONE_1]');
    expect(message).toBe('again, [PHONE_1], [NAME_1]');
    expect(redactor.restore('Hello [NAME_1]! [NAME_7]')).toBe('Hello Siti Rahayu!');
    expect(redactor.counts()).toEqual({ NAME: 1, PHONE: 1 });
  });

  it('never re-redacts its own placeholders', () => {
    const redactor = createRedactor();
    const once = redactor.redact('my name is Budi, phone 0812-3456-7890');
    expect(redactor.redact(once)).toBe(once);
  });
});
