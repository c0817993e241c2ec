import { readFileSync } from 'node:fs';

export type ActivityJson = Record<string, unknown> & { type: string; id?: string };

/** A recorded activity from tests/fixtures/botframework, optionally pointed at another serviceUrl. */
export function fixture(name: string, overrides: Record<string, unknown> = {}): ActivityJson {
  const json = JSON.parse(readFileSync(`tests/fixtures/botframework/${name}.json`, 'utf8')) as ActivityJson;
  return { ...json, ...overrides };
}
