import { z } from 'zod';

/** YYYY-MM-DD that is a real calendar date (YAML may hand us a Date object or a string). */
const isoDate = z.preprocess(
  (v) => (v instanceof Date ? v.toISOString().slice(0, 10) : v),
  z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date written YYYY-MM-DD')
    .refine(
      (s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s),
      {
        message: 'is not a real calendar date',
      },
    ),
);

export const SUMMARY_MAX_CHARS = 700;

export const articleFrontMatterSchema = z.object({
  id: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'must be a lowercase slug like "diabetes-basics"'),
  lang: z.string().regex(/^[a-z]{2}$/, 'must be a two-letter language code like "en" or "id"'),
  title: z.string().trim().min(3, 'is missing or too short'),
  topics: z.array(z.string().min(1)).min(1, 'needs at least one topic'),
  questions: z.array(z.string().trim().min(2)).min(1, 'needs at least one question'),
  summary: z
    .string()
    .trim()
    .min(20, 'is missing or too short')
    .max(SUMMARY_MAX_CHARS, `must be at most ${SUMMARY_MAX_CHARS} characters`),
  sources: z
    .array(
      z.object({ title: z.string().min(2), url: z.url({ protocol: /^https$/, error: 'must be an https:// URL' }) }),
    )
    .min(1, 'needs at least one source'),
  reviewed_by: z.string().trim().min(2, 'must name the reviewer'),
  reviewed_on: isoDate,
  review_due: isoDate,
});

export type ArticleFrontMatter = z.infer<typeof articleFrontMatterSchema>;

export interface ArticleSection {
  heading: string;
  markdown: string;
}

/** One reviewed article in one language. `id` is shared across translations. */
export interface Article {
  id: string;
  lang: string;
  title: string;
  topics: string[];
  questions: string[];
  summary: string;
  sources: { title: string; url: string }[];
  reviewedBy: string;
  reviewedOn: string;
  reviewDue: string;
  sections: ArticleSection[];
  /** Path relative to the knowledge folder, for error messages. */
  file: string;
}

/** Splits the Markdown body into the sections a patient can ask for with "more". */
export function splitSections(body: string): ArticleSection[] {
  const sections: ArticleSection[] = [];
  let current: ArticleSection | undefined;
  for (const line of body.split(/\r?\n/)) {
    const heading = /^##\s+(.+?)\s*$/.exec(line);
    if (heading) {
      if (current) sections.push(current);
      current = { heading: heading[1] ?? '', markdown: '' };
    } else if (current) {
      current.markdown += `${line}\n`;
    } else if (line.trim()) {
      current = { heading: '', markdown: `${line}\n` };
    }
  }
  if (current) sections.push(current);
  return sections.map((s) => ({ heading: s.heading, markdown: s.markdown.trim() })).filter((s) => s.markdown);
}
