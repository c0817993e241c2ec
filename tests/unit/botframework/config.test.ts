import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type BotFrameworkSettings,
  botFrameworkConfigFromSettings,
  botFrameworkSettingsProblems,
  toSdkSettings,
} from '../../../adapters/botframework/config.ts';
import { parseEnv } from '../../../src/config/env.ts';

const APP_ID = '6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const THUMBPRINT = 'a'.repeat(40);
const on = (settings: Partial<BotFrameworkSettings>): BotFrameworkSettings => ({
  BOTFRAMEWORK_ENABLED: true,
  BOTFRAMEWORK_APP_TYPE: 'MultiTenant',
  ...settings,
});

describe('Bot Framework settings', () => {
  it.each<[string, Partial<BotFrameworkSettings>, RegExp[]]>([
    ['no app id: the Emulator local mode', {}, []],
    ['multi-tenant with a password', { BOTFRAMEWORK_APP_ID: APP_ID, BOTFRAMEWORK_APP_PASSWORD: 's' }, []],
    [
      'single-tenant with a password and tenant',
      {
        BOTFRAMEWORK_APP_ID: APP_ID,
        BOTFRAMEWORK_APP_PASSWORD: 's',
        BOTFRAMEWORK_APP_TYPE: 'SingleTenant',
        BOTFRAMEWORK_TENANT_ID: TENANT,
      },
      [],
    ],
    [
      'managed identity',
      { BOTFRAMEWORK_APP_ID: APP_ID, BOTFRAMEWORK_APP_TYPE: 'UserAssignedMSI', BOTFRAMEWORK_TENANT_ID: TENANT },
      [],
    ],
    ['an app id without a secret', { BOTFRAMEWORK_APP_ID: APP_ID }, [/^BOTFRAMEWORK_APP_PASSWORD: required/]],
    ['a password without an app id', { BOTFRAMEWORK_APP_PASSWORD: 's' }, [/^BOTFRAMEWORK_APP_ID: required/]],
    [
      'single-tenant without a tenant',
      { BOTFRAMEWORK_APP_ID: APP_ID, BOTFRAMEWORK_APP_PASSWORD: 's', BOTFRAMEWORK_APP_TYPE: 'SingleTenant' },
      [/^BOTFRAMEWORK_TENANT_ID: required for SingleTenant/],
    ],
    [
      'managed identity with a password',
      {
        BOTFRAMEWORK_APP_ID: APP_ID,
        BOTFRAMEWORK_APP_PASSWORD: 's',
        BOTFRAMEWORK_APP_TYPE: 'UserAssignedMSI',
        BOTFRAMEWORK_TENANT_ID: TENANT,
      },
      [/^BOTFRAMEWORK_APP_PASSWORD: must be empty/],
    ],
    [
      'half a certificate',
      { BOTFRAMEWORK_APP_ID: APP_ID, BOTFRAMEWORK_CERTIFICATE_THUMBPRINT: THUMBPRINT },
      [/^BOTFRAMEWORK_CERTIFICATE_THUMBPRINT \/ BOTFRAMEWORK_CERTIFICATE_KEY_FILE/],
    ],
    [
      'a password and a certificate',
      {
        BOTFRAMEWORK_APP_ID: APP_ID,
        BOTFRAMEWORK_APP_PASSWORD: 's',
        BOTFRAMEWORK_CERTIFICATE_THUMBPRINT: THUMBPRINT,
        BOTFRAMEWORK_CERTIFICATE_KEY_FILE: '/k.pem',
      },
      [/either a password or a certificate/],
    ],
  ])('%s', (_name, settings, expected) => {
    const problems = botFrameworkSettingsProblems(on(settings));
    expect(problems).toHaveLength(expected.length);
    expected.forEach((pattern, i) => {
      expect(problems[i]).toMatch(pattern);
    });
  });

  it('is off unless enabled, and fails start-up naming every problem', () => {
    expect(botFrameworkConfigFromSettings({ BOTFRAMEWORK_ENABLED: false, BOTFRAMEWORK_APP_TYPE: 'MultiTenant' })).toBe(
      undefined,
    );
    expect(() => botFrameworkConfigFromSettings(on({ BOTFRAMEWORK_APP_ID: APP_ID }))).toThrow(
      /Invalid configuration:\n {2}- BOTFRAMEWORK_APP_PASSWORD/,
    );
    expect(() =>
      botFrameworkConfigFromSettings(
        on({
          BOTFRAMEWORK_APP_ID: APP_ID,
          BOTFRAMEWORK_CERTIFICATE_THUMBPRINT: THUMBPRINT,
          BOTFRAMEWORK_CERTIFICATE_KEY_FILE: '/nonexistent/key.pem',
        }),
      ),
    ).toThrow(/BOTFRAMEWORK_CERTIFICATE_KEY_FILE: cannot read it \(ENOENT\)/);
  });

  it('reads the certificate key and hands botbuilder its own setting names', () => {
    const keyFile = join(mkdtempSync(join(tmpdir(), 'sehat-bf-')), 'key.pem');
    writeFileSync(keyFile, '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n');
    const config = botFrameworkConfigFromSettings(
      on({
        BOTFRAMEWORK_APP_ID: APP_ID,
        BOTFRAMEWORK_APP_TYPE: 'SingleTenant',
        BOTFRAMEWORK_TENANT_ID: TENANT,
        BOTFRAMEWORK_CERTIFICATE_THUMBPRINT: THUMBPRINT,
        BOTFRAMEWORK_CERTIFICATE_KEY_FILE: keyFile,
      }),
    );
    expect(config && toSdkSettings(config)).toEqual({
      MicrosoftAppId: APP_ID,
      MicrosoftAppType: 'SingleTenant',
      MicrosoftAppTenantId: TENANT,
      CertificateThumbprint: THUMBPRINT,
      CertificatePrivateKey: '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n',
    });
  });

  it('validates the variables themselves in the environment schema', () => {
    expect(() => parseEnv({ BOTFRAMEWORK_APP_ID: 'my-bot' })).toThrow(
      /BOTFRAMEWORK_APP_ID: must be the Microsoft App ID/,
    );
    expect(() => parseEnv({ BOTFRAMEWORK_APP_TYPE: 'Global' })).toThrow(/BOTFRAMEWORK_APP_TYPE/);
    expect(parseEnv({}).BOTFRAMEWORK_ENABLED).toBe(false);
  });
});
