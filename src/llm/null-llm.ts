import { type LlmClient, LlmError } from './llm-client.ts';

/** The default with no OPENAI_API_KEY: nothing is sent anywhere and the retrieval answer serves every question. */
export function createNullLlm(): LlmClient {
  const disabled = () => Promise.reject(new LlmError('disabled', 'no LLM is configured (OPENAI_API_KEY is empty)'));
  return { enabled: false, chatModel: 'none', complete: disabled, embed: disabled };
}
