import { type FSWatcher, watch } from 'node:fs';
import type { Logger } from '../shared/logger.ts';
import { buildSnapshot, type KnowledgeSnapshot } from './knowledge-snapshot.ts';
import { loadKnowledgeFiles } from './load-knowledge.ts';

export interface KnowledgeBaseOptions {
  dir: string;
  languages: string[];
  defaultLanguage: string;
  logger: Logger;
}

/**
 * Holds the current snapshot and reloads it when editors save files. A reload whose files have errors is
 * refused and the last good snapshot keeps serving; each problem is logged with its file and field.
 */
export interface KnowledgeBase {
  current(): KnowledgeSnapshot;
  /** Reloads from disk now; returns whether the new snapshot was accepted. */
  reload(): boolean;
  watch(): void;
  stop(): Promise<void>;
}

export function createKnowledgeBase(options: KnowledgeBaseOptions): KnowledgeBase {
  const { logger } = options;
  const build = () =>
    buildSnapshot(loadKnowledgeFiles(options.dir), {
      languages: options.languages,
      defaultLanguage: options.defaultLanguage,
    });

  // At start-up there is no last good version: broken files are left out (and logged) so the bot still
  // answers from the rest, and a patient's message is never refused.
  let snapshot = build();
  for (const p of snapshot.problems)
    logger.error({ kb: p }, `knowledge base: ${p.file}${p.field ? ` (${p.field})` : ''} ${p.message}`);
  logger.info({ articles: snapshot.articleCount(), version: snapshot.version }, 'knowledge base loaded');

  let watcher: FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;

  const reload = (): boolean => {
    const next = build();
    const errors = next.problems.filter((p) => p.severity === 'error');
    if (errors.length > 0) {
      for (const p of errors)
        logger.error(
          { kb: p },
          `knowledge base reload refused: ${p.file}${p.field ? ` (${p.field})` : ''} ${p.message}`,
        );
      logger.warn({ version: snapshot.version }, 'still serving the last good knowledge base');
      return false;
    }
    snapshot = next;
    logger.info({ articles: next.articleCount(), version: next.version }, 'knowledge base reloaded');
    return true;
  };

  return {
    current: () => snapshot,
    reload,
    watch() {
      if (watcher) return;
      watcher = watch(options.dir, { recursive: true }, () => {
        // Editors' tools write files in several steps; wait for the burst to settle.
        clearTimeout(timer);
        timer = setTimeout(reload, 250);
      });
      watcher.on('error', (error) => logger.warn({ err: error.message }, 'knowledge watcher error'));
    },
    async stop() {
      clearTimeout(timer);
      watcher?.close();
      watcher = undefined;
    },
  };
}
