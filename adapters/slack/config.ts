import type { Env } from '../../src/config/env.ts';
import { AppError } from '../../src/core/errors.ts';

/** Typed settings of the Slack educator console (read from SLACK_* by slackConfigFromEnv). */
export interface SlackConfig {
  /** socket: the app dials out to Slack (app-level token, no public URL); http: Slack POSTs to our URLs. */
  mode: 'socket' | 'http';
  botToken: string;
  /** Required in http mode: verifies that requests come from Slack. */
  signingSecret?: string;
  /** Required in socket mode (xapp-…, scope connections:write). */
  appToken?: string;
  /** The educators' channel where new hand-offs are announced. */
  channelId: string;
  /** Slack mention of the on-call group used when a hand-off passes its SLA, e.g. <!subteam^S0123ABCD>. */
  oncallMention: string;
  /** Thread messages of the owner starting with this are internal notes, not relayed to the patient. */
  notePrefix: string;
  /** Show the educator's Slack display name to the patient (false: a neutral "Educator"). */
  showEducatorName: boolean;
  /** Web API base URL (tests point it at a local double). */
  apiUrl: string;
  /** How often open hand-offs are re-checked and their threads caught up (after Slack outages). */
  syncIntervalMs: number;
}

/** What patients see instead of the educator's name when SLACK_SHOW_EDUCATOR_NAME=false. */
export const NEUTRAL_EDUCATOR_NAME = 'Educator';

/**
 * ESCALATION_CONTACT is written for humans (e.g. "@oncall-educators" or a Slack group id); Slack needs
 * its own mention syntax to notify: <!subteam^ID> for user groups, <@ID> for people, <!here>.
 * @see https://docs.slack.dev/messaging/formatting-message-text#mentioning-groups
 */
export function toSlackMention(contact: string): string {
  const value = contact.trim();
  if (!value) return '';
  if (/^<[!@#].+>$/.test(value)) return value;
  if (/^@?(here|channel|everyone)$/i.test(value)) return `<!${value.replace('@', '').toLowerCase()}>`;
  if (/^S[A-Z0-9]{6,}$/.test(value)) return `<!subteam^${value}>`;
  if (/^[UW][A-Z0-9]{6,}$/.test(value)) return `<@${value}>`;
  return value;
}

const problem = (key: string, message: string) => `${key}: ${message}`;

/**
 * Builds the console's config from the parsed environment, checking what only makes sense together
 * (a signing secret in http mode, an app token in socket mode). Throws one AppError listing every problem,
 * each naming its variable, so a wrong setup fails at start-up instead of silently dropping hand-offs.
 */
export function slackConfigFromEnv(env: Env): SlackConfig {
  const problems: string[] = [];
  if (!env.SLACK_BOT_TOKEN)
    problems.push(problem('SLACK_BOT_TOKEN', 'required when SLACK_ENABLED=true (the Bot User OAuth Token, xoxb-…)'));
  if (!env.SLACK_CHANNEL_ID)
    problems.push(problem('SLACK_CHANNEL_ID', 'required when SLACK_ENABLED=true (the educators channel id, C…)'));
  if (env.SLACK_MODE === 'http' && !env.SLACK_SIGNING_SECRET)
    problems.push(
      problem('SLACK_SIGNING_SECRET', 'required when SLACK_MODE=http (Basic Information → App Credentials)'),
    );
  if (env.SLACK_MODE === 'socket' && !env.SLACK_APP_TOKEN)
    problems.push(
      problem(
        'SLACK_APP_TOKEN',
        'required when SLACK_MODE=socket (an app-level token, xapp-…, with connections:write)',
      ),
    );
  if (problems.length > 0)
    throw new AppError('config_invalid', `Invalid Slack configuration:\n  - ${problems.join('\n  - ')}`, {
      details: { problems },
    });
  return {
    mode: env.SLACK_MODE,
    botToken: env.SLACK_BOT_TOKEN as string,
    ...(env.SLACK_SIGNING_SECRET && { signingSecret: env.SLACK_SIGNING_SECRET }),
    ...(env.SLACK_APP_TOKEN && { appToken: env.SLACK_APP_TOKEN }),
    channelId: env.SLACK_CHANNEL_ID as string,
    oncallMention: toSlackMention(env.SLACK_ONCALL_MENTION || env.ESCALATION_CONTACT),
    notePrefix: env.SLACK_NOTE_PREFIX,
    showEducatorName: env.SLACK_SHOW_EDUCATOR_NAME,
    apiUrl: env.SLACK_API_URL.endsWith('/') ? env.SLACK_API_URL : `${env.SLACK_API_URL}/`,
    syncIntervalMs: env.SLACK_SYNC_INTERVAL_SECONDS * 1000,
  };
}
