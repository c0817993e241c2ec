import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ENV_KEYS, parseEnv } from '../../src/config/env.ts';

describe('configuration', () => {
  it('works with no settings at all (embedded defaults)', () => {
    const env = parseEnv({});
    expect(env).toMatchObject({
      PORT: 3000,
      DATABASE_URL: 'sqlite:./data/sehat.db',
      LANGUAGES: ['en', 'id'],
      WEBCHAT_ENABLED: true,
    });
  });

  it('reports every invalid variable at once, by name', () => {
    expect(() =>
      parseEnv({ PORT: 'abc', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud', HANDOFF_SLA_MINUTES: 'soon' }),
    ).toThrow(
      /PORT[\s\S]*DATABASE_URL[\s\S]*HANDOFF_SLA_MINUTES[\s\S]*LOG_LEVEL|PORT[\s\S]*DATABASE_URL[\s\S]*LOG_LEVEL[\s\S]*HANDOFF_SLA_MINUTES/,
    );
  });

  it('.env.example lists exactly the settings Sehat reads', () => {
    const listed = readFileSync('.env.example', 'utf8')
      .split('\n')
      .filter((line) => /^[A-Z][A-Z0-9_]*=/.test(line))
      .map((line) => line.split('=')[0]);
    expect([...listed].sort()).toEqual([...ENV_KEYS].sort());
  });

  it('parses lists, booleans and the SLA table', () => {
    const env = parseEnv({
      LANGUAGES: 'en, id ,ms',
      KB_HOT_RELOAD: 'false',
      HANDOFF_SLA_MINUTES: 'urgent:2,high:10,normal:30',
    });
    expect(env.LANGUAGES).toEqual(['en', 'id', 'ms']);
    expect(env.KB_HOT_RELOAD).toBe(false);
    expect(env.HANDOFF_SLA_MINUTES).toEqual({ urgent: 2, high: 10, normal: 30 });
  });
});
