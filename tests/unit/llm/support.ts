import { buildSnapshot, type KnowledgeSnapshot } from '../../../src/knowledge/knowledge-snapshot.ts';
import { loadKnowledgeFiles } from '../../../src/knowledge/load-knowledge.ts';
import type { LlmError } from '../../../src/llm/llm-client.ts';

let snapshot: KnowledgeSnapshot | undefined;

/** The real reviewed knowledge base (read once per test file). */
export function realKb(): KnowledgeSnapshot {
  snapshot ??= buildSnapshot(loadKnowledgeFiles('knowledge'), { languages: ['en', 'id'], defaultLanguage: 'en' });
  return snapshot;
}

/** The LlmError a call failed with (the test fails if it succeeded). */
export async function failureOf(work: Promise<unknown>): Promise<LlmError> {
  try {
    await work;
  } catch (error) {
    return error as LlmError;
  }
  throw new Error('expected the call to fail');
}
