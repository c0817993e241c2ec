import { CORE_SCHEMA, load } from 'js-yaml';

/**
 * Parses one YAML document (YAML 1.2 core types: no dates, which stay text). js-yaml rather than the `yaml`
 * package: knowledge files, lexicons and safety rules are read at every start, and `yaml` spent ~0.35 s of
 * a cold start on them against ~0.1 s here (same results on every shipped file: tests/unit/shared/yaml.test.ts).
 * Duplicate keys and malformed documents throw, with the line in the message.
 */
export function parseYaml(text: string): unknown {
  return load(text, { schema: CORE_SCHEMA });
}
