import { FakeListChatModel } from '@langchain/core/utils/testing';
import { createLangChainLlm, createOpenAiLlm } from '../../src/llm/openai-llm.ts';
import { fakeEmbedding, startOpenAiDouble } from '../support/openai-double.ts';
import { llmClientContract } from './llm-client.contract.ts';

/** Never answers: LangChain's fake model waits for `sleep` ms per reply; this is longer than any budget. */
const NEVER_MS = 60_000;

llmClientContract("LangChain over LangChain's fake chat model", async () => ({
  withReplies(replies) {
    return createLangChainLlm({
      chatModel: 'fake-model',
      responseFormat: 'json_schema',
      attemptTimeoutMs: 300,
      // The fake replies in order; a `null` script (a reply that never comes) makes it slower than any budget.
      chat: () =>
        new FakeListChatModel({
          responses: replies.map((r) => r ?? ''),
          sleep: replies.includes(null) ? NEVER_MS : undefined,
        }),
      embeddings: {
        model: 'fake-embeddings',
        run: async (texts) => ({
          vectors: texts.map((t) => fakeEmbedding(t)),
          usage: { inputTokens: 0, outputTokens: 0 },
        }),
      },
    });
  },
  cleanup: async () => {},
}));

llmClientContract('openai SDK + LangChain ChatOpenAI over HTTP (local double)', async () => {
  const double = await startOpenAiDouble();
  return {
    withReplies(replies) {
      double.reset();
      double.queue('verify', ...replies.map((r) => (r === null ? { hang: true as const } : { content: r })));
      return createOpenAiLlm({
        apiKey: 'sk-test',
        baseUrl: double.url,
        chatModel: 'double-model',
        embeddingModel: 'double-embeddings',
        responseFormat: 'json_schema',
        attemptTimeoutMs: 300,
        maxOutputTokens: 200,
      });
    },
    cleanup: () => double.close(),
  };
});
