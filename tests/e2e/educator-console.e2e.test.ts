import { type Browser, type BrowserContext, chromium, type Page, type Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../../src/app.ts';
import { parseEnv } from '../../src/config/env.ts';
import { hashPassword } from '../../src/shared/password.ts';
import { CHROMIUM_PATH, chromiumAvailable } from '../support/services.ts';

/**
 * The hand-off as both sides see it, in headless Chromium against the real server in-process: a patient on
 * the web chat asks for a person, a health educator takes the chat in the console at /educator, answers,
 * closes it, and the patient's rating lands in the CRM. A second educator who tries to take the same chat
 * is told who already has it.
 */
const RUN = chromiumAvailable('educator console e2e'); // under CI=true a missing Chromium fails instead
const TIMEOUT = 10_000;
/** Shorter than the console's 30 s fallback poll: what arrives within it came through the event stream. */
const LIVE_TIMEOUT = 8_000;
const ASK = 'saya mau bicara dengan perawat';
const REPLY = 'Halo, saya Ns. Rina. Ada yang bisa saya bantu?';
const INJECTION = '<img src=x onerror=alert(1)>';

const squash = (s: string | null | undefined) => (s ?? '').replace(/\s+/g, ' ').trim();

describe.skipIf(!RUN)('educator console (browser end to end)', () => {
  let app: App;
  let url: string;
  let browser: Browser;
  let patientContext: BrowserContext;
  let rinaContext: BrowserContext;
  let budiContext: BrowserContext;
  let patient: Page;
  let rina: Page;
  let budi: Page;
  let handoffId = '';
  const pageErrors: string[] = [];
  const dialogs: string[] = [];
  const apiPosts: Request[] = [];

  async function newPage(context: BrowserContext, name: string): Promise<Page> {
    // Nothing may load from the internet: any request off the test server is refused.
    await context.route(
      (u) => u.origin !== new URL(url).origin,
      (route) => route.abort(),
    );
    const page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(`${name}: ${error.message}`));
    page.on('dialog', (dialog) => {
      dialogs.push(`${name}: ${dialog.message()}`);
      void dialog.dismiss();
    });
    page.on('request', (request) => {
      if (request.method() === 'POST' && new URL(request.url()).pathname.startsWith('/educator/api/'))
        apiPosts.push(request);
    });
    return page;
  }

  async function logIn(page: Page, username: string, password: string): Promise<void> {
    await page.goto(`${url}/educator`);
    await page.getByTestId('login-username').fill(username);
    await page.getByTestId('login-password').fill(password);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('user-name').waitFor({ timeout: TIMEOUT });
  }

  /** The patient's chat: what the bot and the educator said, as on screen. */
  const patientBubbles = () => patient.getByTestId('message-list').getByTestId('bubble-out').allTextContents();
  async function waitForPatientText(fragment: string | RegExp): Promise<void> {
    await expect
      .poll(
        async () =>
          (await patientBubbles())
            .map(squash)
            .some((t) => (typeof fragment === 'string' ? t.includes(fragment) : fragment.test(t))),
        {
          timeout: TIMEOUT,
        },
      )
      .toBe(true);
  }
  async function patientSays(text: string): Promise<void> {
    const input = patient.getByTestId('message-input');
    await input.fill(text);
    await input.press('Enter');
  }

  /** The scenario is one story: once a step fails, the later ones are skipped instead of timing out one by one. */
  let broken = '';
  function step(name: string, fn: () => Promise<void>): void {
    it(name, async (context) => {
      if (broken) context.skip(`an earlier step failed: ${broken}`);
      try {
        await fn();
      } catch (error) {
        broken = name;
        throw error;
      }
    });
  }

  const transcriptTexts = (page: Page) =>
    page.getByTestId('transcript').getByTestId('transcript-line').allTextContents();
  const queueItem = (page: Page) => page.locator(`[data-testid="queue-item"][data-handoff-id="${handoffId}"]`);

  beforeAll(async () => {
    app = await createApp(
      parseEnv({
        PORT: '0',
        HOST: '127.0.0.1',
        DATABASE_URL: 'sqlite::memory:',
        KB_HOT_RELOAD: 'false',
        LOG_LEVEL: 'silent',
        EDUCATOR_HOURS: 'mon-sun 00:00-23:59',
      }),
    );
    ({ url } = await app.start());
    const at = new Date();
    await app.handoffStore.createEducator({
      username: 'rina',
      displayName: 'Ns. Rina',
      passwordHash: await hashPassword('s3cret-pass'),
      at,
    });
    await app.handoffStore.createEducator({
      username: 'budi',
      displayName: 'Ns. Budi',
      passwordHash: await hashPassword('other-pass-2'),
      at,
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-quic',
        '--no-first-run',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    patientContext = await browser.newContext({ viewport: { width: 420, height: 800 }, locale: 'id-ID' });
    rinaContext = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
    budiContext = await browser.newContext({ viewport: { width: 1024, height: 768 }, locale: 'en-US' });
    patient = await newPage(patientContext, 'patient');
    rina = await newPage(rinaContext, 'rina');
    budi = await newPage(budiContext, 'budi');
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  step('shows a labelled login form and refuses a wrong password in an alert', async () => {
    const response = await rina.goto(`${url}/educator`);
    expect(response?.status(), 'GET /educator must serve the console page').toBe(200);
    expect(await rina.title()).toContain('Sehat');
    await rina.getByTestId('login-username').waitFor({ timeout: TIMEOUT });
    expect(await rina.getByLabel('Username').getAttribute('data-testid')).toBe('login-username');
    expect(await rina.getByLabel('Password').getAttribute('data-testid')).toBe('login-password');
    await rina.getByTestId('login-username').fill('rina');
    await rina.getByTestId('login-password').fill('wrong-password');
    await rina.getByTestId('login-submit').click();
    const alert = rina.locator('#login-view [role="alert"]');
    await expect.poll(() => alert.textContent(), { timeout: TIMEOUT }).toBe('Wrong username or password.');
    expect(await rina.getByTestId('queue-item').count()).toBe(0);
  });

  step('logs the educator in (keyboard only) to an empty queue', async () => {
    await rina.getByTestId('login-username').fill('rina');
    await rina.getByTestId('login-password').fill('s3cret-pass');
    await rina.getByTestId('login-password').press('Enter');
    await rina.getByTestId('user-name').waitFor({ timeout: TIMEOUT });
    expect(await rina.getByTestId('user-name').textContent()).toBe('Ns. Rina');
    expect(squash(await rina.getByTestId('queue').textContent())).toContain('No one is waiting');
    // The session survives a reload (GET /educator/api/me decides login vs console).
    await rina.reload();
    await rina.getByTestId('user-name').waitFor({ timeout: TIMEOUT });
    expect(await rina.getByTestId('login-username').isVisible()).toBe(false);
    await expect.poll(() => rina.locator('#live-status').textContent(), { timeout: TIMEOUT }).toBe('Live');
  });

  step('patient asks for a nurse and is told their place in the queue (antrean)', async () => {
    await patient.goto(`${url}/`);
    await patient.getByTestId('message-input').waitFor({ timeout: TIMEOUT });
    await patientSays(ASK);
    await waitForPatientText('antrean');
    const notice = (await patientBubbles()).map(squash).find((t) => t.includes('antrean'))!;
    expect(notice).toMatch(/nomor 1 dalam antrean/);
  });

  step('shows the new chat in the educator queue live, with priority, reason, channel, language and wait', async () => {
    const item = rina.getByTestId('queue-item').first();
    await item.waitFor({ timeout: LIVE_TIMEOUT }); // no reload: the event stream brought it
    handoffId = (await item.getAttribute('data-handoff-id')) ?? '';
    expect(handoffId).not.toBe('');
    const handoff = await app.handoffStore.getHandoff(handoffId);
    expect(handoff).toMatchObject({ reason: 'human_request', priority: 'normal', status: 'waiting' });
    const text = squash(await item.textContent());
    expect(text).toContain('Normal'); // the priority in words, not only a colour
    expect(text).toContain('Asked for a person');
    expect(text).toMatch(/Patient [0-9a-z]{6}/);
    expect(text).toContain('Web chat');
    expect(text).toContain('Bahasa Indonesia');
    expect(text).toMatch(/waiting (less than 1|\d+) min/);
    expect(text).toContain('#1 in queue');
    expect(await rina.getByTestId('queue-count').textContent()).toBe('1 waiting');
    await rina.screenshot({ path: '/tmp/console-queue.png' });
  });

  step('opens the chat: profile, triage reason, the bot attempt and the whole transcript', async () => {
    await queueItem(rina).click();
    await rina.getByTestId('profile').waitFor({ timeout: TIMEOUT });
    expect(await queueItem(rina).getAttribute('aria-current')).toBe('true');
    const profile = squash(await rina.getByTestId('profile').textContent());
    const conversation = await app.crm.getConversation((await app.handoffStore.getHandoff(handoffId))!.conversationId);
    expect(profile).toContain(conversation!.contactId);
    expect(profile).toContain('Bahasa Indonesia');
    expect(profile).toContain('Web chat');
    expect(await rina.getByTestId('chat-reason').textContent()).toBe('Asked for a person');
    expect(await rina.locator('#chat-priority').textContent()).toBe('Normal');
    expect(squash(await rina.getByTestId('chat-state').textContent())).toMatch(/^Waiting · #1 in queue/);
    // The bot handed over at once (its notices are not an answer attempt); see the second chat for one.
    expect(squash(await rina.getByTestId('bot-attempt').textContent())).toContain('The bot did not try to answer');
    const lines = (await transcriptTexts(rina)).map(squash);
    expect(lines.some((l) => l.includes(ASK))).toBe(true);
    expect(lines.some((l) => l.includes('antrean'))).toBe(true);
    // The patient's line is on the left, the bot's on the right.
    const patientLine = rina.getByTestId('transcript-line').filter({ hasText: ASK });
    const botLine = rina.getByTestId('transcript-line').filter({ hasText: 'antrean' });
    expect((await patientLine.boundingBox())!.x).toBeLessThan((await botLine.boundingBox())!.x);
    expect(await rina.getByTestId('claim-button').isVisible()).toBe(true);
    expect(await rina.getByTestId('reply-input').isVisible()).toBe(false);
  });

  step(
    'a second educator with the chat open still sees Claim; after Rina claims, Budi is told she took it',
    async () => {
      // Budi's console misses the live "claimed" event (his event stream is cut), as on a flaky connection.
      await budiContext.route(`${url}/educator/api/events`, (route) => route.abort());
      await logIn(budi, 'budi', 'other-pass-2');
      await queueItem(budi).click();
      await budi.getByTestId('claim-button').waitFor({ timeout: TIMEOUT });

      await rina.getByTestId('claim-button').click();
      await rina.getByTestId('reply-input').waitFor({ timeout: TIMEOUT });
      await expect // the keyboard lands in the reply box
        .poll(() => rina.evaluate(() => document.activeElement?.getAttribute('data-testid')), { timeout: TIMEOUT })
        .toBe('reply-input');
      expect((await app.handoffStore.getHandoff(handoffId))?.status).toBe('claimed');
      await waitForPatientText('Ns. Rina (edukator kesehatan) telah bergabung');

      await budi.getByTestId('claim-button').click();
      const error = budi.getByTestId('console-error');
      await error.waitFor({ timeout: TIMEOUT });
      expect(await error.getAttribute('role')).toBe('alert');
      expect(squash(await error.textContent())).toContain('Ns. Rina already took this chat');
      await budi.getByTestId('claim-button').waitFor({ state: 'hidden', timeout: TIMEOUT });
      expect(squash(await budi.getByTestId('chat-state').textContent())).toContain('With Ns. Rina');
      expect(await budi.getByTestId('reply-input').isVisible()).toBe(false);
      expect((await app.handoffStore.getHandoff(handoffId))?.educatorId).toBe(
        (await app.handoffStore.findEducatorByUsername('rina'))?.id,
      );
    },
  );

  step('groups the claimed chat under "My chats" for Rina', async () => {
    await expect
      .poll(
        () =>
          rina
            .locator('.queue-group', { has: rina.getByRole('heading', { name: /My chats/ }) })
            .getByTestId('queue-item')
            .count(),
        {
          timeout: TIMEOUT,
        },
      )
      .toBe(1);
    expect(squash(await queueItem(rina).textContent())).toContain('With you');
  });

  step('Rina replies with Enter (Shift+Enter is a new line); the patient sees it with her name', async () => {
    const input = rina.getByTestId('reply-input');
    await input.fill('draft');
    await input.press('Shift+Enter');
    expect(await input.inputValue()).toBe('draft\n');
    await input.fill(REPLY);
    await input.press('Enter');
    await expect.poll(() => input.inputValue(), { timeout: TIMEOUT }).toBe('');
    await waitForPatientText(REPLY);
    const row = patient.locator('.row-out', { hasText: REPLY }).last();
    expect(squash(await row.locator('.sender').textContent())).toBe('Ns. Rina');
    await expect
      .poll(async () => squash(await rina.getByTestId('transcript-line').last().textContent()), { timeout: TIMEOUT })
      .toContain(REPLY);
    const line = rina.getByTestId('transcript-line').last();
    expect(await line.getAttribute('data-author')).toBe('educator');
    expect(squash(await line.locator('.line-author').textContent())).toBe('Ns. Rina');
  });

  step('shows what the patient writes next live in the transcript, HTML as plain text', async () => {
    await patientSays(INJECTION);
    await expect
      .poll(async () => (await transcriptTexts(rina)).some((t) => t.includes(INJECTION)), { timeout: LIVE_TIMEOUT })
      .toBe(true);
    expect(await rina.getByTestId('transcript').locator('img').count()).toBe(0);
    await rina.screenshot({ path: '/tmp/console-chat.png' });
  });

  step('asks for an outcome note, closes the chat, and the patient is asked for a rating', async () => {
    await rina.getByTestId('close-button').click();
    expect(await rina.getByTestId('close-button').getAttribute('aria-expanded')).toBe('true');
    await rina.getByTestId('close-submit').click(); // no outcome yet
    expect(squash(await rina.getByTestId('console-error').textContent())).toContain('outcome note');
    expect((await app.handoffStore.getHandoff(handoffId))?.status).toBe('claimed');
    await rina
      .getByTestId('close-outcome')
      .fill('Wanted to talk to a nurse about her diet; explained and shared the diet article.');
    await rina.getByTestId('close-tags').fill('diet, nurse-request, ');
    await rina.getByTestId('close-submit').click();
    await expect
      .poll(async () => (await app.handoffStore.getHandoff(handoffId))?.status, { timeout: TIMEOUT })
      .toBe('closed');
    const closed = await app.handoffStore.getHandoff(handoffId);
    expect(closed?.tags).toEqual(['diet', 'nurse-request']);
    expect(closed?.outcome).toContain('talk to a nurse');
    await waitForPatientText('dari 1 (tidak membantu) sampai 5');
    await expect.poll(() => rina.getByTestId('chat-state').textContent(), { timeout: TIMEOUT }).toContain('Closed');
    expect(await rina.getByTestId('reply-input').isVisible()).toBe(false);
    await expect.poll(() => queueItem(rina).count(), { timeout: LIVE_TIMEOUT }).toBe(0);
  });

  step('records the patient rating in the CRM and thanks the patient', async () => {
    await patientSays('5 sangat membantu');
    await waitForPatientText('Terima kasih atas penilaian Anda');
    const conversationId = (await app.handoffStore.getHandoff(handoffId))!.conversationId;
    const feedback = await app.handoffStore.listFeedback(conversationId);
    expect(feedback).toHaveLength(1);
    expect(feedback[0]).toMatchObject({ rating: 5, handoffId, comment: 'sangat membantu' });
  });

  step(
    'a question the bot cannot answer: shows its attempt; Rina transfers the chat to Budi, who releases it',
    async () => {
      await patientSays('qwxz blorft zzkv');
      const second = rina.locator(`[data-testid="queue-item"]:not([data-handoff-id="${handoffId}"])`);
      await second.waitFor({ timeout: LIVE_TIMEOUT });
      const secondId = (await second.getAttribute('data-handoff-id'))!;
      expect((await app.handoffStore.getHandoff(secondId))?.reason).toBe('unanswered');
      expect(squash(await second.textContent())).toContain('Question the bot could not answer');
      await second.click();
      await expect
        .poll(() => rina.getByTestId('chat-reason').textContent(), { timeout: TIMEOUT })
        .toBe('Question the bot could not answer');
      const attempt = squash(await rina.getByTestId('bot-attempt').textContent());
      expect(attempt).toContain('action: fallback');
      expect(attempt).toMatch(/confidence: \d+%/);
      await rina.getByTestId('claim-button').click();
      await rina.getByTestId('transfer-select').waitFor({ timeout: TIMEOUT });
      expect(await rina.getByTestId('transfer-select').locator('option').allTextContents()).toEqual([
        'Ns. Budi (budi)',
      ]);
      await rina.getByTestId('transfer-select').selectOption('budi');
      await rina.getByTestId('transfer-button').click();
      await expect
        .poll(async () => squash(await rina.getByTestId('chat-state').textContent()), { timeout: TIMEOUT })
        .toContain('With Ns. Budi');
      expect(await rina.getByTestId('reply-input').isVisible()).toBe(false);
      expect((await app.handoffStore.getHandoff(secondId))?.educatorId).toBe(
        (await app.handoffStore.findEducatorByUsername('budi'))?.id,
      );
      await waitForPatientText('Ns. Budi (edukator kesehatan) telah bergabung');

      // Budi's connection is back: his queue has the chat under "My chats"; he gives it back to the queue.
      await budiContext.unroute(`${url}/educator/api/events`);
      await budi.reload();
      const mine = budi.locator('.queue-group', { has: budi.getByRole('heading', { name: /My chats/ }) });
      await mine.locator(`[data-handoff-id="${secondId}"]`).click();
      await budi.getByTestId('release-button').click();
      await expect
        .poll(() => app.handoffStore.getHandoff(secondId).then((h) => h?.status), { timeout: TIMEOUT })
        .toBe('waiting');
      await budi.getByTestId('claim-button').waitFor({ timeout: TIMEOUT });
      await waitForPatientText('dikembalikan ke antrean');
      // Rina's console follows live.
      await expect
        .poll(async () => squash(await rina.getByTestId('chat-state').textContent()), { timeout: LIVE_TIMEOUT })
        .toMatch(/^Waiting · #1 in queue/);
      expect(await rina.getByTestId('claim-button').isVisible()).toBe(true);
    },
  );

  step('sent every POST as JSON', async () => {
    const paths = apiPosts.map((r) => new URL(r.url()).pathname);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/educator/api/login',
        `/educator/api/handoffs/${handoffId}/claim`,
        `/educator/api/handoffs/${handoffId}/reply`,
        `/educator/api/handoffs/${handoffId}/close`,
      ]),
    );
    expect(
      apiPosts.filter((r) => !r.headers()['content-type']?.includes('application/json')).map((r) => r.url()),
    ).toEqual([]);
  });

  step('keeps text contrast at 4.5:1 or more', async () => {
    const failures = await rina.evaluate(() => {
      const rgb = (css: string) => (css.match(/[\d.]+/g) ?? []).map(Number);
      const luminance = ([r = 0, g = 0, b = 0]: number[]) => {
        const c = [r, g, b].map((v) => (v / 255 <= 0.03928 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4));
        return 0.2126 * c[0]! + 0.7152 * c[1]! + 0.0722 * c[2]!;
      };
      const background = (el: Element | null): string => {
        for (let node = el; node; node = node.parentElement) {
          const bg = getComputedStyle(node).backgroundColor;
          if (rgb(bg)[3] !== 0 && bg !== 'transparent') return bg;
        }
        return 'rgb(255, 255, 255)';
      };
      const problems: string[] = [];
      for (const element of document.querySelectorAll('body *')) {
        const own = [...element.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent!.trim());
        if (!own || !(element as HTMLElement).offsetParent) continue; // only visible elements with their own text
        const [l1, l2] = [luminance(rgb(getComputedStyle(element).color)), luminance(rgb(background(element)))].sort(
          (a, b) => b - a,
        );
        const ratio = (l1! + 0.05) / (l2! + 0.05);
        if (ratio < 4.5)
          problems.push(
            `${element.tagName}.${element.className}: ${ratio.toFixed(2)} "${element.textContent!.trim().slice(0, 30)}"`,
          );
      }
      return problems;
    });
    expect(failures).toEqual([]);
  });

  step('fits a tablet screen without sideways scrolling', async () => {
    for (const viewport of [
      { width: 768, height: 1024 },
      { width: 1024, height: 768 },
    ]) {
      await rina.setViewportSize(viewport);
      const layout = await rina.evaluate(() => ({
        page: document.scrollingElement!.scrollWidth,
        widest: Math.max(
          ...[...document.querySelectorAll('body *')]
            .filter((e) => (e as HTMLElement).offsetParent)
            .map((e) => e.getBoundingClientRect().right),
        ),
      }));
      expect(layout.page).toBeLessThanOrEqual(viewport.width);
      expect(layout.widest).toBeLessThanOrEqual(viewport.width);
      await rina.screenshot({ path: `/tmp/console-tablet-${viewport.width}x${viewport.height}.png` });
    }
    await rina.setViewportSize({ width: 1280, height: 800 });
  });

  step('logs out back to the login form', async () => {
    await rina.getByTestId('logout-button').click();
    await rina.getByTestId('login-username').waitFor({ timeout: TIMEOUT });
    expect(await rina.getByTestId('queue-item').count()).toBe(0);
    const me = await rina.evaluate(async () => (await fetch('/educator/api/me')).status);
    expect(me).toBe(401);
  });

  it('raised no script errors and opened no dialogs', () => {
    expect(pageErrors).toEqual([]);
    expect(dialogs).toEqual([]);
  });
});
