// Sehat educator console — the health educators' side. Vanilla ES module: no build step, no dependencies,
// nothing from the internet. The contract with the server is adapters/web-console/routes.ts; the shapes are
// HandoffView / TranscriptLine (src/handoff/handoff-view.ts) and HandoffEvent (src/handoff/types.ts).
// Every piece of data is put on the page as text (textContent / text nodes), never parsed as HTML.

const API = '/educator/api';
const POLL_MS = 30_000; // fallback refetch, in case an event was missed while the stream reconnected
const TICK_MS = 15_000; // waiting times are counted on the client between refetches
const RECONNECT_MS = 5_000; // only when the browser gave up on the event stream (it normally retries by itself)

const REASONS = {
  emergency: 'Possible emergency',
  crisis: 'Crisis — risk of self-harm',
  complaint: 'Complaint',
  human_request: 'Asked for a person',
  personal_medical: 'Personal medical question',
  unanswered: 'Question the bot could not answer',
};
const PRIORITIES = { urgent: 'Urgent', high: 'High', normal: 'Normal' };
const CHANNELS = { webchat: 'Web chat', whatsapp: 'WhatsApp', telegram: 'Telegram', cli: 'Command line' };
const LANGUAGES = { id: 'Bahasa Indonesia', en: 'English', ms: 'Bahasa Melayu' };
const TRIAGE = {
  emergency: 'emergency',
  crisis: 'crisis',
  complaint: 'complaint',
  human_request: 'asked for a person',
  personal_medical: 'personal medical',
  out_of_scope: 'out of scope',
};
const STATUSES = {
  pending: 'sending…',
  sent: 'sent',
  delivered: 'delivered',
  read: 'read',
  failed: 'failed — not delivered',
};

const $ = (id) => document.getElementById(id);
const ui = {
  loginView: $('login-view'),
  loginForm: $('login-form'),
  loginError: $('login-error'),
  username: $('login-username'),
  password: $('login-password'),
  loginSubmit: $('login-submit'),
  appView: $('app-view'),
  userBox: $('user-box'),
  userName: $('user-name'),
  live: $('live-status'),
  logout: $('logout'),
  error: $('console-error'),
  errorText: $('console-error-text'),
  errorClose: $('console-error-close'),
  queueHeading: $('queue-heading'),
  queueCount: $('queue-count'),
  queueBody: $('queue-body'),
  chat: $('chat'),
  placeholder: $('chat-placeholder'),
  chatOpen: $('chat-open'),
  chatTitle: $('chat-title'),
  chatPriority: $('chat-priority'),
  chatReason: $('chat-reason'),
  chatState: $('chat-state'),
  profile: $('profile'),
  botAttempt: $('bot-attempt'),
  botAttemptText: $('bot-attempt-text'),
  botAttemptMeta: $('bot-attempt-meta'),
  claim: $('claim-button'),
  release: $('release-button'),
  transfer: $('transfer'),
  transferSelect: $('transfer-select'),
  transferButton: $('transfer-button'),
  closeButton: $('close-button'),
  closeForm: $('close-form'),
  closeOutcome: $('close-outcome'),
  closeTags: $('close-tags'),
  closeSubmit: $('close-submit'),
  closeCancel: $('close-cancel'),
  transcriptWrap: $('transcript-wrap'),
  transcript: $('transcript'),
  replyForm: $('reply-form'),
  replyInput: $('reply-input'),
  replySend: $('reply-send'),
  footnote: $('chat-footnote'),
};

const state = {
  me: null, // Educator
  queue: [], // HandoffView[]
  queueAt: 0, // Date.now() when the queue was fetched (waitingMs is as of then)
  openId: null,
  chat: null, // { view, transcript }
  chatAt: 0,
  educators: [],
  drafts: new Map(), // handoff id → unsent reply text
  events: null,
  timers: [],
  reconnectTimer: null,
};

// ---------- small helpers ----------

/** Creates an element; children may be nodes or strings (strings become text nodes, never HTML). */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value !== undefined && value !== null && value !== false) node.setAttribute(name, value === true ? '' : value);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

const shortId = (id) => String(id ?? '').slice(-6);
const patientName = (view) => view.contact.displayName?.trim() || `Patient ${shortId(view.contact.id)}`;
const languageName = (code) => (code ? (LANGUAGES[code] ?? code) : 'unknown');
const channelName = (id) => CHANNELS[id] ?? id;
const reasonName = (reason) => REASONS[reason] ?? String(reason).replace(/_/g, ' ');
const isMine = (view) => view.handoff.status === 'claimed' && !!state.me && view.handoff.educatorId === state.me.id;

function formatMinutes(ms) {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  if (minutes < 1) return 'less than 1 min';
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
}

/** "waiting 3 min" for a waiting chat, "open 12 min" once someone has it: counted from waitingMs + time since the fetch. */
function waitText(view, fetchedAt) {
  const ms = view.waitingMs + (Date.now() - fetchedAt);
  return `${view.handoff.status === 'waiting' ? 'waiting' : 'open'} ${formatMinutes(ms)}`;
}

function formatTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const time = date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  const today = new Date().toDateString() === date.toDateString();
  return today ? time : `${date.toLocaleDateString([], { day: 'numeric', month: 'short' })} ${time}`;
}

function badge(priority) {
  return el('span', { class: `badge badge-${priority}` }, PRIORITIES[priority] ?? priority);
}

function setBadge(node, priority) {
  node.className = `badge badge-${priority}`;
  node.textContent = PRIORITIES[priority] ?? priority;
}

/** Runs fn; while it runs, further calls are folded into one more run afterwards. */
function coalesced(fn) {
  let running = null;
  let again = false;
  return function run() {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await fn();
      } while (again);
    })().finally(() => {
      running = null;
    });
    return running;
  };
}

// ---------- errors ----------

/** transient: a lost connection, cleared by itself as soon as the server answers again. */
function showError(message, { transient = false } = {}) {
  ui.errorText.textContent = message;
  ui.error.hidden = false;
  ui.error.dataset.transient = String(transient);
}

function clearError() {
  ui.errorText.textContent = '';
  ui.error.hidden = true;
}

function clearTransientError() {
  if (ui.error.dataset.transient === 'true') clearError();
}

ui.errorClose.addEventListener('click', clearError);

// ---------- API ----------

class LoggedOut extends Error {}
class Offline extends Error {}

/**
 * JSON in, JSON out. Every POST says content-type: application/json (the server refuses anything else, so a
 * cross-site form cannot act for a logged-in educator). A 401 means the session ended: back to the login.
 */
async function api(method, path, body) {
  let response;
  try {
    response = await fetch(`${API}${path}`, {
      method,
      credentials: 'same-origin',
      headers:
        method === 'POST'
          ? { 'content-type': 'application/json', accept: 'application/json' }
          : { accept: 'application/json' },
      body: method === 'POST' ? JSON.stringify(body ?? {}) : undefined,
    });
  } catch {
    throw new Offline('Cannot reach the server. Check the connection; the console retries by itself.');
  }
  let data = {};
  try {
    data = await response.json();
  } catch {
    /* an empty or non-JSON body */
  }
  if (response.status === 401 && path !== '/login' && path !== '/me') {
    leaveApp('Your session has ended. Please log in again.');
    throw new LoggedOut();
  }
  return { ok: response.ok, status: response.status, data };
}

/** Runs an action; a failure becomes the console's error message instead of an unhandled rejection. */
async function attempt(action) {
  try {
    return await action();
  } catch (error) {
    if (!(error instanceof LoggedOut))
      showError(error?.message || 'Something went wrong.', { transient: error instanceof Offline });
    return undefined;
  }
}

// ---------- login / logout ----------

ui.loginForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  ui.loginError.textContent = '';
  const username = ui.username.value.trim();
  const password = ui.password.value;
  ui.username.removeAttribute('aria-invalid');
  ui.password.removeAttribute('aria-invalid');
  if (!username || !password) {
    ui.loginError.textContent = 'Enter your username and password.';
    const missing = username ? ui.password : ui.username;
    missing.setAttribute('aria-invalid', 'true');
    missing.focus();
    return;
  }
  ui.loginSubmit.disabled = true;
  try {
    const { ok, data } = await api('POST', '/login', { username, password });
    if (!ok) {
      ui.loginError.textContent = data.message || 'Could not log in.';
      ui.password.value = '';
      ui.password.focus();
      return;
    }
    ui.password.value = '';
    enterApp(data.educator);
  } catch (error) {
    ui.loginError.textContent = error.message;
  } finally {
    ui.loginSubmit.disabled = false;
  }
});

ui.logout.addEventListener('click', async () => {
  await attempt(() => api('POST', '/logout', {}));
  leaveApp();
});

function showLogin(message = '') {
  ui.appView.hidden = true;
  ui.userBox.hidden = true;
  ui.loginView.hidden = false;
  ui.loginError.textContent = message;
  ui.username.focus();
}

function enterApp(educator) {
  state.me = educator;
  clearError();
  ui.loginView.hidden = true;
  ui.appView.hidden = false;
  ui.userBox.hidden = false;
  ui.userName.textContent = educator.displayName;
  ui.userName.title = `Logged in as ${educator.username}`;
  renderChat();
  connectEvents();
  state.timers.push(
    setInterval(tick, TICK_MS),
    setInterval(() => {
      void refreshQueue();
      if (state.openId) void refreshChat();
    }, POLL_MS),
  );
  void refreshQueue().then(() => ui.queueHeading.focus());
  void loadEducators();
  const fromHash = decodeURIComponent(location.hash.slice(1));
  if (fromHash) void openChat(fromHash, { focus: false });
}

function leaveApp(message) {
  state.events?.close();
  state.events = null;
  clearTimeout(state.reconnectTimer);
  for (const timer of state.timers) clearInterval(timer);
  state.timers = [];
  Object.assign(state, { me: null, queue: [], openId: null, chat: null });
  state.drafts.clear();
  ui.queueBody.replaceChildren();
  ui.transcript.replaceChildren();
  ui.replyInput.value = '';
  ui.closeForm.hidden = true;
  history.replaceState(null, '', location.pathname);
  clearError();
  showLogin(message);
}

// ---------- live updates ----------

function setLive(kind, text) {
  ui.live.dataset.state = kind;
  ui.live.textContent = text;
}

/** Server-Sent Events: the browser reconnects by itself; we only step in when it gives up (e.g. after a 401). */
function connectEvents() {
  state.events?.close();
  setLive('connecting', 'Connecting…');
  const source = new EventSource(`${API}/events`);
  state.events = source;
  source.addEventListener('ready', () => {
    setLive('on', 'Live');
    // Anything that happened while we were away.
    void refreshQueue();
    if (state.openId) void refreshChat();
  });
  source.addEventListener('handoff', (event) => {
    let data = {};
    try {
      data = JSON.parse(event.data);
    } catch {
      /* refetch anyway */
    }
    void refreshQueue();
    if (state.openId && data.handoffId === state.openId) void refreshChat();
  });
  source.addEventListener('error', () => {
    if (state.events !== source) return;
    setLive('off', 'Reconnecting…');
    if (source.readyState === EventSource.CLOSED) {
      clearTimeout(state.reconnectTimer);
      state.reconnectTimer = setTimeout(async () => {
        if (state.events !== source) return;
        const me = await api('GET', '/me').catch(() => undefined);
        if (me?.status === 401) leaveApp('Your session has ended. Please log in again.');
        else if (state.me) connectEvents();
      }, RECONNECT_MS);
    }
  });
}

function tick() {
  for (const node of document.querySelectorAll('[data-wait-for]')) {
    const id = node.dataset.waitFor;
    const fromQueue = state.queue.find((v) => v.handoff.id === id);
    if (node.closest('#queue-body') && fromQueue) node.textContent = waitText(fromQueue, state.queueAt);
    else if (state.chat?.view.handoff.id === id) node.textContent = waitText(state.chat.view, state.chatAt);
  }
}

// ---------- the queue ----------

const refreshQueue = coalesced(async () => {
  await attempt(async () => {
    const { ok, data } = await api('GET', '/queue');
    if (!ok) throw new Error(data.message || 'Could not load the queue.');
    clearTransientError();
    state.queue = data.handoffs ?? [];
    state.queueAt = Date.now();
    renderQueue();
  });
});

async function loadEducators() {
  await attempt(async () => {
    const { ok, data } = await api('GET', '/educators');
    if (ok) {
      state.educators = data.educators ?? [];
      renderTransferOptions();
    }
  });
}

function queueItem(view) {
  const h = view.handoff;
  const status =
    h.status === 'waiting'
      ? `Waiting${view.position ? ` · #${view.position} in queue` : ''}`
      : isMine(view)
        ? 'With you'
        : `With ${view.educator?.displayName ?? 'another educator'}`;
  const button = el(
    'button',
    {
      type: 'button',
      class: `queue-item queue-item-${h.priority}`,
      'data-testid': 'queue-item',
      'data-handoff-id': h.id,
      'data-status': h.status,
      'aria-current': h.id === state.openId ? 'true' : undefined,
    },
    el('span', { class: 'qi-top' }, badge(h.priority), el('span', { class: 'qi-reason' }, reasonName(h.reason))),
    el('span', { class: 'qi-name' }, patientName(view)),
    el(
      'span',
      { class: 'qi-meta' },
      `${channelName(view.channel)} · ${languageName(view.language ?? view.contact.language)}`,
    ),
    el(
      'span',
      { class: 'qi-status' },
      el('span', { class: `qi-state qi-state-${h.status}` }, status),
      el('span', { class: 'qi-wait', 'data-wait-for': h.id }, waitText(view, state.queueAt)),
    ),
  );
  button.addEventListener('click', () => void openChat(h.id));
  return el('li', {}, button);
}

function queueGroup(title, views, emptyText) {
  if (!views.length && !emptyText) return null;
  const id = `group-${title.toLowerCase().replace(/\W+/g, '-')}`;
  return el(
    'section',
    { class: 'queue-group', 'aria-labelledby': id },
    el(
      'h3',
      { class: 'queue-group-title', id },
      title,
      ' ',
      el('span', { class: 'queue-group-count' }, `(${views.length})`),
    ),
    views.length
      ? el('ul', { class: 'queue-list' }, ...views.map(queueItem))
      : el('p', { class: 'queue-empty' }, emptyText),
  );
}

function renderQueue() {
  // Keep the keyboard where it was across the redraw.
  const focusedId = document.activeElement?.closest?.('#queue-body [data-handoff-id]')?.dataset.handoffId;
  const mine = state.queue.filter(isMine);
  const waiting = state.queue.filter((v) => v.handoff.status === 'waiting');
  const others = state.queue.filter((v) => v.handoff.status === 'claimed' && !isMine(v));
  ui.queueBody.replaceChildren(
    ...[
      queueGroup('My chats', mine),
      queueGroup('Waiting', waiting, 'No one is waiting. New chats appear here by themselves.'),
      queueGroup('With other educators', others),
    ].filter(Boolean),
  );
  ui.queueCount.textContent = `${waiting.length} waiting`;
  document.title = waiting.length ? `(${waiting.length}) Sehat — educator console` : 'Sehat — educator console';
  if (focusedId) ui.queueBody.querySelector(`[data-handoff-id="${CSS.escape(focusedId)}"]`)?.focus();
}

// ---------- the open chat ----------

const refreshChat = coalesced(async () => {
  const id = state.openId;
  if (!id) return;
  await attempt(async () => {
    const { ok, status, data } = await api('GET', `/handoffs/${encodeURIComponent(id)}`);
    if (state.openId !== id) return; // another chat was opened meanwhile
    if (status === 404) {
      closeChatPanel();
      throw new Error('That chat no longer exists.');
    }
    if (!ok) throw new Error(data.message || 'Could not load the chat.');
    state.chat = { view: data.view, transcript: data.transcript ?? [] };
    state.chatAt = Date.now();
    renderChat();
  });
});

async function openChat(id, { focus = true } = {}) {
  if (state.openId && state.openId !== id) state.drafts.set(state.openId, ui.replyInput.value);
  if (state.openId !== id) {
    state.openId = id;
    state.chat = null;
    ui.transcript.replaceChildren();
    ui.replyInput.value = state.drafts.get(id) ?? '';
    ui.closeForm.hidden = true;
    ui.closeButton.setAttribute('aria-expanded', 'false');
    history.replaceState(null, '', `#${encodeURIComponent(id)}`);
  }
  for (const item of ui.queueBody.querySelectorAll('[data-handoff-id]')) {
    if (item.dataset.handoffId === id) item.setAttribute('aria-current', 'true');
    else item.removeAttribute('aria-current');
  }
  await refreshChat();
  if (focus && state.openId === id && state.chat) ui.chatTitle.focus();
}

function closeChatPanel() {
  state.openId = null;
  state.chat = null;
  ui.transcript.replaceChildren();
  history.replaceState(null, '', location.pathname);
  renderChat();
}

/** One term/value pair, grouped in a <div> (allowed inside <dl>) so the grid can lay out pairs. */
function profileRow(term, ...value) {
  return [el('div', {}, el('dt', {}, term), el('dd', {}, ...value))];
}

function renderChat() {
  const chat = state.chat;
  ui.placeholder.hidden = !!chat;
  ui.chatOpen.hidden = !chat;
  if (!chat) return;
  const { view } = chat;
  const h = view.handoff;
  const mine = isMine(view);

  ui.chatTitle.textContent = patientName(view);
  setBadge(ui.chatPriority, h.priority);
  ui.chatReason.textContent = reasonName(h.reason);
  const stateText =
    h.status === 'closed'
      ? 'Closed'
      : h.status === 'waiting'
        ? `Waiting${view.position ? ` · #${view.position} in queue` : ''}`
        : mine
          ? 'With you'
          : `With ${view.educator?.displayName ?? 'another educator'}`;
  ui.chatState.className = `chat-state chat-state-${h.status}`;
  ui.chatState.replaceChildren(
    el('span', {}, stateText),
    h.status === 'closed'
      ? ''
      : el('span', { class: 'chat-wait', 'data-wait-for': h.id }, waitText(view, state.chatAt)),
  );

  ui.profile.replaceChildren(
    ...profileRow('Name', view.contact.displayName?.trim() || 'not given'),
    ...profileRow('Contact ID', el('code', {}, view.contact.id)),
    ...profileRow('Language', languageName(view.language ?? view.contact.language)),
    ...profileRow('Channel', channelName(view.channel)),
    ...profileRow('Opened', el('time', { datetime: h.createdAt }, formatTime(h.createdAt))),
    ...(h.status === 'closed' && h.outcome ? profileRow('Outcome', h.outcome) : []),
    ...(h.tags?.length ? profileRow('Tags', h.tags.join(', ')) : []),
  );

  const attemptInfo = view.botAttempt;
  ui.botAttempt.hidden = false;
  ui.botAttemptMeta.hidden = !attemptInfo;
  if (!attemptInfo) {
    ui.botAttemptText.replaceChildren(
      el('p', { class: 'text text-none' }, 'The bot did not try to answer: it handed the chat over straight away.'),
    );
  } else {
    ui.botAttemptText.replaceChildren(...renderText(attemptInfo.text));
    const d = attemptInfo.decision;
    ui.botAttemptMeta.textContent = d
      ? [
          `action: ${d.action}`,
          `confidence: ${Math.round((d.confidence ?? 0) * 100)}%`,
          d.triage && d.triage !== 'routine' ? `triage: ${TRIAGE[d.triage] ?? d.triage}` : '',
          d.articles?.[0]?.id ? `article: ${d.articles[0].id}` : '',
        ]
          .filter(Boolean)
          .join(' · ')
      : 'no decision recorded';
  }

  ui.claim.hidden = h.status !== 'waiting';
  ui.release.hidden = !mine;
  ui.transfer.hidden = !mine || !transferTargets().length;
  ui.closeButton.hidden = !mine;
  if (!mine) {
    ui.closeForm.hidden = true;
    ui.closeButton.setAttribute('aria-expanded', 'false');
  }
  const replyWasFocused = document.activeElement === ui.replyInput;
  ui.replyForm.hidden = !mine;
  if (mine && replyWasFocused) ui.replyInput.focus();

  ui.footnote.hidden = mine;
  ui.footnote.textContent =
    h.status === 'closed'
      ? 'This chat is closed. The patient was asked to rate it.'
      : h.status === 'waiting'
        ? 'Claim the chat to reply to the patient.'
        : mine
          ? ''
          : `${view.educator?.displayName ?? 'Another educator'} has this chat. You can read it; only they can reply.`;

  renderTranscript(chat.transcript, view);
}

// ---------- transcript ----------

const SENTENCE_END = /[.!?:;)"”]$/;
const BULLET = /^\s*[•\-*]\s+/;

/** Bot and educator text is markdown: shown as plain paragraphs, **bold** kept, hard wraps inside sentences joined. */
function renderText(text) {
  const paragraphs = String(text ?? '')
    .replace(/\r\n?/g, '\n')
    .split(/\n\s*\n/)
    .map((block) => {
      const lines = [];
      for (const line of block.split('\n')) {
        if (!line.trim()) continue;
        const prev = lines.at(-1);
        if (prev !== undefined && !BULLET.test(line) && !SENTENCE_END.test(prev.trim()))
          lines[lines.length - 1] = `${prev.trimEnd()} ${line.trim()}`;
        else lines.push(line);
      }
      return lines.join('\n');
    })
    .filter(Boolean);
  return paragraphs.map((p) => {
    const node = el('p', { class: 'text' });
    const parts = p.split(/\*\*([^*\n]+)\*\*/g); // odd indexes were between ** **
    parts.forEach((part, i) => {
      node.append(i % 2 ? el('strong', {}, part) : part);
    });
    return node;
  });
}

function authorName(line, view) {
  if (line.author === 'patient') return patientName(view);
  if (line.author === 'educator') return line.authorName ?? 'Health educator';
  if (line.author === 'bot') return 'Bot';
  return 'System';
}

function lineStatus(line) {
  if (line.direction !== 'out') return null;
  const text = STATUSES[line.status] ?? line.status;
  return el(
    'span',
    { class: `line-status${line.status === 'failed' ? ' line-status-failed' : ''}`, 'data-status': line.status },
    line.status === 'failed' ? `⚠ ${text}` : text,
  );
}

function transcriptLine(line, view) {
  const side = line.direction === 'in' ? 'in' : 'out';
  return el(
    'li',
    {
      class: `line line-${side} line-${line.author}${line.status === 'failed' ? ' line-failed' : ''}`,
      'data-testid': 'transcript-line',
      'data-line-id': line.id,
      'data-author': line.author,
    },
    el(
      'div',
      { class: 'line-meta' },
      el('span', { class: 'line-author' }, authorName(line, view)),
      el('time', { datetime: line.at }, formatTime(line.at)),
      line.direction === 'in' && line.triage && line.triage !== 'routine'
        ? el('span', { class: 'line-triage' }, TRIAGE[line.triage] ?? line.triage)
        : null,
    ),
    el(
      'div',
      { class: 'line-body' },
      ...(line.direction === 'in' ? [el('p', { class: 'text text-raw' }, line.text)] : renderText(line.text)),
    ),
    lineStatus(line),
  );
}

// The transcript sticks to its newest line unless the educator scrolled up to read; it stays stuck when the
// panel changes size (a new line, the close form opening, a window resize).
let stickToBottom = true;
const atBottom = (wrap) => wrap.scrollHeight - wrap.scrollTop - wrap.clientHeight < 40;
ui.transcriptWrap.addEventListener('scroll', () => {
  stickToBottom = atBottom(ui.transcriptWrap);
});
const stickyObserver = new ResizeObserver(() => {
  if (stickToBottom) ui.transcriptWrap.scrollTop = ui.transcriptWrap.scrollHeight;
});
stickyObserver.observe(ui.transcriptWrap);
stickyObserver.observe(ui.transcript);

/** Adds new lines at the end and updates the delivery status of known ones (no full redraw: screen readers hear only what is new). */
function renderTranscript(lines, view) {
  const wrap = ui.transcriptWrap;
  const known = new Map([...ui.transcript.children].map((li) => [li.dataset.lineId, li]));
  const ids = new Set(lines.map((l) => l.id));
  for (const [id, li] of known) if (!ids.has(id)) li.remove();
  const firstFill = known.size === 0;
  if (firstFill) ui.transcript.setAttribute('aria-busy', 'true');
  for (const line of lines) {
    const existing = known.get(line.id);
    if (!existing) {
      ui.transcript.append(transcriptLine(line, view));
    } else if (
      existing.querySelector('.line-status')?.dataset.status !== (line.direction === 'out' ? line.status : undefined)
    ) {
      existing.replaceWith(transcriptLine(line, view));
    }
  }
  if (firstFill) {
    ui.transcript.removeAttribute('aria-busy');
    stickToBottom = true;
  }
  if (stickToBottom) wrap.scrollTop = wrap.scrollHeight;
}

// ---------- actions ----------

/** POSTs an action on the open chat; shows the server's message when it is refused; refetches either way. */
async function act(path, body, button) {
  const id = state.openId;
  if (!id) return false;
  clearError();
  if (button) button.disabled = true;
  try {
    const result = await attempt(() => api('POST', `/handoffs/${encodeURIComponent(id)}/${path}`, body));
    if (result && !result.ok) showError(result.data.message || `Could not ${path} this chat.`);
    await Promise.all([refreshChat(), refreshQueue()]);
    return !!result?.ok;
  } finally {
    if (button) button.disabled = false;
  }
}

ui.claim.addEventListener('click', async () => {
  if (await act('claim', {}, ui.claim)) ui.replyInput.focus();
});

ui.release.addEventListener('click', async () => {
  if (await act('release', {}, ui.release)) ui.claim.focus();
});

function transferTargets() {
  return state.educators.filter((e) => e.id !== state.me?.id);
}

function renderTransferOptions() {
  const targets = transferTargets();
  ui.transferSelect.replaceChildren(
    ...targets.map((e) => el('option', { value: e.username }, `${e.displayName} (${e.username})`)),
  );
  if (state.chat) renderChat();
}

ui.transferButton.addEventListener('click', async () => {
  const to = ui.transferSelect.value;
  if (!to) return;
  if (await act('transfer', { to }, ui.transferButton)) ui.chatTitle.focus();
});

ui.closeButton.addEventListener('click', () => {
  const open = ui.closeForm.hidden;
  ui.closeForm.hidden = !open;
  ui.closeButton.setAttribute('aria-expanded', String(open));
  if (open) ui.closeOutcome.focus();
});

function cancelClose() {
  ui.closeForm.hidden = true;
  ui.closeButton.setAttribute('aria-expanded', 'false');
  ui.closeButton.focus();
}

ui.closeCancel.addEventListener('click', cancelClose);
ui.closeForm.addEventListener('keydown', (event) => {
  if (event.key === 'Escape') cancelClose();
});

ui.closeForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const outcome = ui.closeOutcome.value.trim();
  if (!outcome) {
    ui.closeOutcome.setAttribute('aria-invalid', 'true');
    showError('Write an outcome note before closing the chat.');
    ui.closeOutcome.focus();
    return;
  }
  ui.closeOutcome.removeAttribute('aria-invalid');
  const tags = [
    ...new Set(
      ui.closeTags.value
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean),
    ),
  ];
  if (await act('close', { outcome, tags }, ui.closeSubmit)) {
    ui.closeOutcome.value = '';
    ui.closeTags.value = '';
    ui.closeForm.hidden = true;
    ui.closeButton.setAttribute('aria-expanded', 'false');
    state.drafts.delete(state.openId);
    ui.chatTitle.focus();
  }
});

ui.replyForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const text = ui.replyInput.value.trim();
  if (!text || ui.replySend.disabled) return;
  if (await act('reply', { text }, ui.replySend)) {
    ui.replyInput.value = '';
    state.drafts.delete(state.openId);
  }
  ui.replyInput.focus();
});

ui.replyInput.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    ui.replyForm.requestSubmit();
  }
});

// ---------- start ----------

async function start() {
  try {
    const { ok, data } = await api('GET', '/me');
    if (ok && data.educator) enterApp(data.educator);
    else showLogin();
  } catch (error) {
    showLogin(error.message);
  }
}

void start();
