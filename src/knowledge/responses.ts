import { z } from 'zod';

/**
 * The bot's fixed, reviewed messages (knowledge/responses/<lang>.yaml). Code refers to them by key; the
 * wording belongs to the editors. Every key must exist in every language (kb lint checks).
 */
export const RESPONSE_KEYS = [
  'greeting',
  'help',
  'language_changed',
  'language_unknown',
  'not_understood',
  'clarify_prompt',
  'more_button',
  'no_more',
  'translation_missing',
  'sources_label',
  'error_fallback',
  'human_request',
  'media_unsupported',
  'unsupported_message',
  // safety (src/triage): texts reviewed by the clinical team
  'emergency',
  'crisis',
  'complaint_ack',
  'personal_medical_decline',
  // hand-off (src/handoff)
  'handoff_waiting',
  'handoff_out_of_hours',
  'handoff_already_waiting',
  'handoff_claimed',
  'handoff_released',
  'rating_prompt',
  'rating_thanks',
  'goodbye',
  'opening_today',
  'opening_later',
  // privacy (the patient's own data)
  'mydata',
  'export_intro',
  'delete_confirm',
  'delete_yes',
  'delete_no',
  'delete_done',
  'delete_cancelled',
  'slow_down',
] as const;

export type ResponseKey = (typeof RESPONSE_KEYS)[number];

export const responsesFileSchema = z.object({
  messages: z.record(z.string(), z.string().min(1)),
  /** Words that mean "tell me more" in this language (whole message, after folding). */
  more_words: z.array(z.string().min(1)).min(1),
  /** The language's own name, shown in /lang and translation notices. */
  language_name: z.string().min(2),
});

export type ResponsesFile = z.infer<typeof responsesFileSchema>;

export type TemplateVars = Record<string, string | number | undefined>;

/** Replaces {{name}} and {{clinic.phone}} placeholders; unknown ones are left visible for lint to catch. */
export function renderTemplate(template: string, vars: TemplateVars): string {
  return template.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (whole, name: string) => {
    const value = vars[name];
    return value === undefined ? whole : String(value);
  });
}

export function findPlaceholders(text: string): string[] {
  return [...text.matchAll(/\{\{\s*([\w.]+)\s*\}\}/g)].map((m) => m[1] ?? '');
}
