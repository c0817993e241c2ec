import { readFileSync } from 'node:fs';
import { AppError } from '../../src/core/errors.ts';
import type { KeyValueState } from '../../src/queue/key-value-state.ts';
import type { Clock } from '../../src/shared/clock.ts';
import type { Logger } from '../../src/shared/logger.ts';

/**
 * Bot Framework app registration types.
 * @see https://learn.microsoft.com/azure/bot-service/bot-builder-authentication?view=azure-bot-service-4.0
 */
export const APP_TYPES = ['MultiTenant', 'SingleTenant', 'UserAssignedMSI'] as const;
export type AppType = (typeof APP_TYPES)[number];

/** Typed configuration of the Bot Framework channel (built by src/app.ts from the BOTFRAMEWORK_* settings). */
export interface BotFrameworkConfig {
  /** Microsoft App ID of the Azure Bot. Empty: unauthenticated local mode, as the Bot Framework Emulator uses. */
  appId?: string;
  appPassword?: string;
  appType: AppType;
  /** Entra ID tenant of a SingleTenant or UserAssignedMSI bot. */
  tenantId?: string;
  /** Certificate credentials instead of a password: the thumbprint and the PEM private key itself. */
  certificateThumbprint?: string;
  certificatePrivateKey?: string;
  /**
   * Raw botbuilder settings for other clouds (Azure Government, sovereign clouds, a test double of the
   * OpenID metadata), e.g. { ToBotFromChannelOpenIdMetadataUrl }. Merged over what is derived above.
   */
  sdkSettings?: Record<string, string>;
}

export interface BotFrameworkDeps {
  logger: Logger;
  /** Shared state, so pacing holds across processes. */
  kv: KeyValueState;
  clock?: Clock;
  /** Injectable for pacing tests. */
  sleep?: (ms: number) => Promise<void>;
}

/** The settings as named in src/config/env.ts (so problems name the variable the operator must fix). */
export interface BotFrameworkSettings {
  BOTFRAMEWORK_ENABLED: boolean;
  BOTFRAMEWORK_APP_ID?: string;
  BOTFRAMEWORK_APP_PASSWORD?: string;
  BOTFRAMEWORK_APP_TYPE: AppType;
  BOTFRAMEWORK_TENANT_ID?: string;
  BOTFRAMEWORK_CERTIFICATE_THUMBPRINT?: string;
  BOTFRAMEWORK_CERTIFICATE_KEY_FILE?: string;
}

/** Cross-field checks of an enabled channel; each problem names its variable. Empty when all is well. */
export function botFrameworkSettingsProblems(s: BotFrameworkSettings): string[] {
  const problems: string[] = [];
  const certificate = Boolean(s.BOTFRAMEWORK_CERTIFICATE_THUMBPRINT || s.BOTFRAMEWORK_CERTIFICATE_KEY_FILE);
  if (!s.BOTFRAMEWORK_APP_ID) {
    if (s.BOTFRAMEWORK_APP_PASSWORD || certificate || s.BOTFRAMEWORK_APP_TYPE !== 'MultiTenant')
      problems.push('BOTFRAMEWORK_APP_ID: required when a password, certificate or SingleTenant/MSI type is set');
    return problems; // no app id: the Emulator's unauthenticated local mode
  }
  if (certificate && !(s.BOTFRAMEWORK_CERTIFICATE_THUMBPRINT && s.BOTFRAMEWORK_CERTIFICATE_KEY_FILE))
    problems.push('BOTFRAMEWORK_CERTIFICATE_THUMBPRINT / BOTFRAMEWORK_CERTIFICATE_KEY_FILE: a certificate needs both');
  if (s.BOTFRAMEWORK_APP_TYPE === 'UserAssignedMSI') {
    if (s.BOTFRAMEWORK_APP_PASSWORD || certificate)
      problems.push('BOTFRAMEWORK_APP_PASSWORD: must be empty for UserAssignedMSI (the managed identity signs in)');
  } else if (!s.BOTFRAMEWORK_APP_PASSWORD && !certificate) {
    problems.push('BOTFRAMEWORK_APP_PASSWORD: required with BOTFRAMEWORK_APP_ID (or a certificate)');
  }
  if (s.BOTFRAMEWORK_APP_PASSWORD && certificate)
    problems.push('BOTFRAMEWORK_APP_PASSWORD: set either a password or a certificate, not both');
  if (s.BOTFRAMEWORK_APP_TYPE !== 'MultiTenant' && !s.BOTFRAMEWORK_TENANT_ID)
    problems.push(`BOTFRAMEWORK_TENANT_ID: required for ${s.BOTFRAMEWORK_APP_TYPE}`);
  return problems;
}

/**
 * The channel's typed config, or undefined when it is off. Problems (missing or conflicting credentials,
 * an unreadable certificate key) fail start-up with one message naming each variable.
 */
export function botFrameworkConfigFromSettings(s: BotFrameworkSettings): BotFrameworkConfig | undefined {
  if (!s.BOTFRAMEWORK_ENABLED) return undefined;
  const problems = botFrameworkSettingsProblems(s);
  let certificatePrivateKey: string | undefined;
  if (problems.length === 0 && s.BOTFRAMEWORK_CERTIFICATE_KEY_FILE) {
    try {
      certificatePrivateKey = readFileSync(s.BOTFRAMEWORK_CERTIFICATE_KEY_FILE, 'utf8');
    } catch (error) {
      problems.push(`BOTFRAMEWORK_CERTIFICATE_KEY_FILE: cannot read it (${(error as NodeJS.ErrnoException).code})`);
    }
  }
  if (problems.length > 0)
    throw new AppError('config_invalid', `Invalid configuration:\n  - ${problems.join('\n  - ')}`, {
      details: { problems },
    });
  return {
    appId: s.BOTFRAMEWORK_APP_ID || undefined,
    appPassword: s.BOTFRAMEWORK_APP_PASSWORD || undefined,
    appType: s.BOTFRAMEWORK_APP_TYPE,
    tenantId: s.BOTFRAMEWORK_TENANT_ID || undefined,
    certificateThumbprint: s.BOTFRAMEWORK_CERTIFICATE_THUMBPRINT || undefined,
    certificatePrivateKey,
  };
}

/** Whether inbound requests must carry a valid Bot Framework token. */
export function authenticationRequired(config: BotFrameworkConfig): boolean {
  return Boolean(config.appId);
}

/**
 * botbuilder's configuration keys (ConfigurationBotFrameworkAuthentication and
 * ConfigurationServiceClientCredentialFactory read these names).
 */
export function toSdkSettings(config: BotFrameworkConfig): Record<string, string> {
  const settings: Record<string, string> = { MicrosoftAppType: config.appType };
  if (config.appId) settings.MicrosoftAppId = config.appId;
  if (config.appPassword) settings.MicrosoftAppPassword = config.appPassword;
  if (config.tenantId) settings.MicrosoftAppTenantId = config.tenantId;
  if (config.certificateThumbprint) settings.CertificateThumbprint = config.certificateThumbprint;
  if (config.certificatePrivateKey) settings.CertificatePrivateKey = config.certificatePrivateKey;
  return { ...settings, ...config.sdkSettings };
}
