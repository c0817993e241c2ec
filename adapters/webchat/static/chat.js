// Sehat web chat — the patient's side. Vanilla ES module: no build step, no dependencies, nothing from the internet.
// The contract with the server is adapters/webchat/protocol.ts; message parts are OutboundPart (src/core/types.ts).

const SESSION_KEY = 'sehat.session';
const OUTBOX_KEY = 'sehat.outbox';
const TYPING_TIMEOUT_MS = 15_000; // the server may never send typing:false (e.g. when a human takes over)
const MAX_BACKOFF_MS = 10_000;
const PING_MS = 25_000; // keeps proxies and phone networks from closing an idle socket
const RETRY_LATER_MS = 4_000; // after 'unavailable' / 'rate_limited'

const STRINGS = {
  en: {
    title: 'Sehat — health education chat',
    emergency: 'Not for emergencies: call 112/119 (ID), 999 (MY), 991 (BN)',
    conversation: 'Conversation',
    inputLabel: 'Your question',
    placeholder: 'Type your question…',
    send: 'Send',
    sending: 'sending…',
    sent: 'sent',
    failed: 'not sent',
    typing: 'Health educator assistant is typing',
    educator: 'Health educator',
    source: 'Source:',
    options: 'Options',
    newTab: '(opens in a new tab)',
    connecting: 'Connecting…',
    reconnecting: 'Connection lost. Reconnecting… Your messages will be sent when we are back.',
    dismiss: 'Dismiss',
    sorry: 'Sorry — ',
  },
  id: {
    title: 'Sehat — edukasi kesehatan',
    emergency: 'Bukan untuk darurat: hubungi 112/119 (ID), 999 (MY), 991 (BN)',
    conversation: 'Percakapan',
    inputLabel: 'Pertanyaan Anda',
    placeholder: 'Ketik pertanyaan Anda…',
    send: 'Kirim',
    sending: 'mengirim…',
    sent: 'terkirim',
    failed: 'tidak terkirim',
    typing: 'Asisten edukator kesehatan sedang mengetik',
    educator: 'Edukator kesehatan',
    source: 'Sumber:',
    options: 'Pilihan',
    newTab: '(terbuka di tab baru)',
    connecting: 'Menghubungkan…',
    reconnecting: 'Koneksi terputus. Menghubungkan ulang… Pesan Anda akan terkirim setelah tersambung.',
    dismiss: 'Tutup',
    sorry: 'Maaf — ',
    // The server's error texts are English; these replace them by code ({n}: the first number in the English text).
    errors: {
      too_long: 'pesan terlalu panjang (maksimal {n} karakter).',
      empty_text: 'pesan kosong.',
      rate_limited: 'pesan terkirim terlalu cepat. Kami akan mencoba lagi sebentar lagi.',
      unavailable: 'pesan Anda belum bisa disimpan. Kami akan mengirim ulang otomatis.',
    },
  },
};

const lang = (navigator.language || 'en').slice(0, 2).toLowerCase();
const t = STRINGS[lang] ?? STRINGS.en;
const embedded = new URLSearchParams(location.search).get('embed') === '1';

const $ = (id) => document.getElementById(id);
const scroller = $('scroller');
const list = $('messages');
const typingEl = $('typing');
const connectionEl = $('connection');
const noticeEl = $('notice');
const form = $('composer');
const input = $('input');
const sendButton = $('send');

// ---------- small helpers ----------

/** Creates an element; children may be nodes or strings (strings become text nodes, never HTML). */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value !== undefined && value !== null) node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}

/** localStorage can throw (private mode, third-party iframes with storage blocked): the chat must still work. */
const store = {
  get(key) {
    try {
      return localStorage.getItem(key);
    } catch {
      return null;
    }
  },
  set(key, value) {
    try {
      localStorage.setItem(key, value);
    } catch {
      /* memory only, then */
    }
  },
};

// ---------- safe markdown → DOM ----------
// Bot text is markdown from the knowledge base and from educators. It is never parsed as HTML: every piece of
// text becomes a text node, and only http(s) URLs become links.

const BULLET = /^\s*[•\-*]\s+(.*)$/;
const HEADING = /^\s*#{1,6}\s+(.*)$/;
const INLINE = new RegExp(
  [
    String.raw`\[([^\]\n]+)\]\(([^()\s]+)\)`, // 1,2: [label](url)
    String.raw`(https?:\/\/[^\s<>"'\]]*[^\s<>"'.,;:!?)\]])`, // 3: bare URL, without trailing punctuation
    String.raw`\*\*([^\s*](?:[^\n]*?[^\s*])?)\*\*`, // 4: **bold**
    // Italics: group 5/7 is the character before the opening mark (no lookbehind: Safari before 16.4 lacks it).
    String.raw`(^|[^\w*])\*([^\s*](?:[^*\n]*[^\s*])?)\*(?![\w*])`, // 5,6: *italic*
    String.raw`(^|[^\w])_([^\s_](?:[^_\n]*[^\s_])?)_(?!\w)`, // 7,8: _italic_ (not snake_case)
  ].join('|'),
  'g',
);

function safeUrl(raw) {
  try {
    const url = new URL(raw);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
  } catch {
    return null;
  }
}

function link(label, href) {
  return el(
    'a',
    { href, target: '_blank', rel: 'noopener noreferrer' },
    label,
    el('span', { class: 'sr-only' }, ` ${t.newTab}`),
  );
}

function inlineNode(m) {
  if (m[2] !== undefined) {
    const href = safeUrl(m[2]);
    return href ? link(m[1], href) : m[0];
  }
  if (m[3] !== undefined) {
    const href = safeUrl(m[3]);
    return href ? link(m[3], href) : m[3];
  }
  if (m[4] !== undefined) return el('strong', {}, renderInline(m[4]));
  const fragment = document.createDocumentFragment();
  fragment.append(m[5] ?? m[7], el('em', {}, renderInline(m[6] ?? m[8])));
  return fragment;
}

function renderInline(text) {
  const fragment = document.createDocumentFragment();
  let last = 0;
  for (const m of text.matchAll(INLINE)) {
    fragment.append(text.slice(last, m.index), inlineNode(m));
    last = m.index + m[0].length;
  }
  fragment.append(text.slice(last));
  return fragment;
}

// Articles are hard-wrapped at ~100 columns in the knowledge files, while fixed messages put one sentence per line.
// So a single newline is a visible line break only after a sentence ends; otherwise the lines are one line (this
// also lets **bold** span a wrap). An indented line under a bullet continues that bullet.
const SENTENCE_END = /[.!?:;)"”]$/;

function logicalLines(block) {
  const lines = [];
  for (const line of block.split('\n')) {
    if (!line.trim()) continue;
    const prev = lines[lines.length - 1]; // not .at(): older phone browsers
    const continues =
      prev !== undefined &&
      !BULLET.test(line) &&
      !HEADING.test(line) &&
      !HEADING.test(prev) &&
      (BULLET.test(prev) ? /^\s{2,}/.test(line) : !SENTENCE_END.test(prev.trim()));
    if (continues) lines[lines.length - 1] = `${prev.trimEnd()} ${line.trim()}`;
    else lines.push(line);
  }
  return lines;
}

/** Blank lines separate paragraphs; •/-/* lines form a bullet list, and an indented bullet nests under the one before. */
function renderMarkdown(markdown) {
  const fragment = document.createDocumentFragment();
  for (const block of String(markdown ?? '')
    .replace(/\r\n?/g, '\n')
    .split(/\n\s*\n/)) {
    let paragraph = null;
    let bullets = null; // the top-level <ul> being filled
    let top = null; // its last <li>
    for (const line of logicalLines(block)) {
      const bullet = BULLET.exec(line);
      const heading = HEADING.exec(line);
      if (bullet) {
        paragraph = null;
        const item = el('li', {}, renderInline(bullet[1]));
        if (/^\s{2,}/.test(line) && top) {
          const nested = top.querySelector(':scope > ul') ?? top.appendChild(el('ul'));
          nested.append(item);
        } else {
          bullets ??= fragment.appendChild(el('ul'));
          bullets.append(item);
          top = item;
        }
      } else if (heading) {
        paragraph = bullets = top = null;
        fragment.append(el('p', {}, el('strong', {}, renderInline(heading[1]))));
      } else {
        bullets = top = null;
        if (paragraph) paragraph.append(el('br'));
        else paragraph = fragment.appendChild(el('p'));
        paragraph.append(renderInline(line.trim()));
      }
    }
  }
  return fragment;
}

// ---------- rendering messages ----------

const statusById = new Map(); // outgoing message id → its "sending…/sent" element

// Follow the conversation while the patient is at the bottom, also when a phone keyboard opens and shrinks the view;
// leave the scroll position alone while they are reading further up.
let atBottom = true;
scroller.addEventListener(
  'scroll',
  () => {
    atBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 40;
  },
  { passive: true },
);
new ResizeObserver(() => {
  if (atBottom) scroller.scrollTop = scroller.scrollHeight;
}).observe(scroller);

/** Keeps the newest message in view; a long answer is shown from its top so the title is not scrolled away. */
function reveal(row) {
  if (row.offsetHeight > scroller.clientHeight) scroller.scrollTop = row.offsetTop - 8;
  else scroller.scrollTop = scroller.scrollHeight;
}

function append(row) {
  list.append(row);
  reveal(row);
  return row;
}

/** The patient's own words: always plain text (CSS keeps their line breaks). */
function patientRow({ id, text, status }) {
  const row = el(
    'div',
    { class: 'row row-in' },
    el('div', { class: 'bubble bubble-in', 'data-testid': 'bubble-in' }, text),
  );
  if (status) {
    const statusEl = el('div', { class: 'status' }, t[status]);
    statusById.set(id, statusEl);
    row.append(statusEl);
  }
  return row;
}

function articleCard(part) {
  const card = el(
    'article',
    { class: 'card', 'data-testid': 'article-card' },
    el('h2', { class: 'card-title' }, part.title),
  );
  card.append(el('div', { class: 'card-summary' }, renderMarkdown(part.summary)));
  const sources = (part.sources ?? []).filter((s) => safeUrl(s.url));
  if (sources.length) {
    const line = el('p', { class: 'card-source' }, `${t.source} `);
    sources.forEach((s, i) => {
      line.append(i ? ', ' : '', link(s.title || s.url, safeUrl(s.url)));
    });
    card.append(line);
  }
  return card;
}

function choiceGroup(part) {
  const group = el('div', { class: 'choices', role: 'group', 'aria-label': part.prompt || t.options });
  for (const choice of part.choices ?? []) {
    const button = el('button', { type: 'button', class: 'choice', 'data-testid': 'choice-button' }, choice.label);
    button.addEventListener('click', () => sendChoice(choice));
    group.append(button);
  }
  return group;
}

/** A bot or educator message: text and article parts share one bubble; choice buttons sit under it. */
function botRow({ sender, parts }) {
  const kind = sender?.kind === 'educator' ? 'educator' : 'bot';
  const row = el('div', { class: `row row-out row-${kind}` });
  if (kind === 'educator') row.append(el('div', { class: 'sender' }, sender.name || t.educator));
  let bubble = null;
  const bubbleFor = () =>
    (bubble ??= row.appendChild(el('div', { class: 'bubble bubble-out', 'data-testid': 'bubble-out' })));
  for (const part of parts ?? []) {
    if (part.kind === 'text') bubbleFor().append(renderMarkdown(part.markdown));
    else if (part.kind === 'article') bubbleFor().append(articleCard(part));
    else if (part.kind === 'choices') {
      if (part.prompt) bubbleFor().append(renderMarkdown(part.prompt));
      row.append(choiceGroup(part));
      bubble = null; // text after the buttons starts a new bubble, in reading order
    }
  }
  return row;
}

function renderHistory(history) {
  list.replaceChildren();
  statusById.clear();
  for (const item of history ?? []) {
    // Outbound items normally carry parts; a text-only item (e.g. a system note) is shown as markdown.
    const parts = item.parts ?? [{ kind: 'text', markdown: item.text ?? '' }];
    list.append(
      item.direction === 'in' ? patientRow({ text: item.text ?? '' }) : botRow({ sender: item.sender, parts }),
    );
  }
  scroller.scrollTop = scroller.scrollHeight;
}

// ---------- typing indicator and notices ----------

let typingTimer;
function setTyping(on) {
  clearTimeout(typingTimer);
  typingEl.hidden = !on;
  if (on) {
    typingTimer = setTimeout(() => setTyping(false), TYPING_TIMEOUT_MS);
    if (atBottom) scroller.scrollTop = scroller.scrollHeight;
  }
}

function showNotice(message) {
  const close = el('button', { type: 'button', class: 'notice-close', 'aria-label': t.dismiss }, '×');
  close.addEventListener('click', () => {
    noticeEl.replaceChildren();
    input.focus();
  });
  noticeEl.replaceChildren(el('span', {}, t.sorry + message), close);
}

function setConnectionNote(text) {
  connectionEl.textContent = text;
}

// ---------- outbox: every message is kept until the server acknowledges it ----------

const outbox = new Map(loadOutbox()); // id → { frame, text, at }

function loadOutbox() {
  try {
    const entries = JSON.parse(store.get(OUTBOX_KEY) ?? '[]');
    return Array.isArray(entries) ? entries : [];
  } catch {
    return [];
  }
}

/** Persisted too, so a message typed on a dying connection survives a reload of the page. */
function saveOutbox() {
  store.set(OUTBOX_KEY, JSON.stringify([...outbox]));
}

function queue(frame, text) {
  noticeEl.replaceChildren(); // an old error should not look like it is about the new message
  outbox.set(frame.id, { frame, text, at: Date.now() });
  saveOutbox();
  append(patientRow({ id: frame.id, text, status: 'sending' }));
  transmit(frame);
}

function markStatus(id, status) {
  const statusEl = statusById.get(id);
  if (!statusEl) return;
  statusEl.textContent = t[status];
  statusEl.classList.toggle('status-failed', status === 'failed');
}

// History items carry the server's message ids, not ours, so an unacknowledged message that already reached the
// server (its ack was lost) can only be recognised by its text and time. Such a message is not drawn twice, but it is
// still re-sent: the server dedupes by id, and dropping a message by mistake would be worse than a duplicate bubble.
const CLOCK_SLACK_MS = 120_000;
function reconcileOutbox(history) {
  const inbound = (history ?? []).filter((h) => h.direction === 'in');
  for (const [id, entry] of outbox) {
    // The server reports the id we gave each message; older servers did not, so fall back to text and time.
    const stored = inbound.some(
      (h) =>
        h.clientId === id ||
        (!h.clientId && h.text?.trim() === entry.text.trim() && Date.parse(h.at) >= entry.at - CLOCK_SLACK_MS),
    );
    if (!stored) list.append(patientRow({ id, text: entry.text, status: 'sending' }));
  }
}

// ---------- connection ----------

let socket = null;
let ready = false; // true between welcome and close: frames may only follow the hello
let attempt = 0;
let reconnectTimer;
let pingTimer;

function socketUrl() {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/webchat/socket`;
}

function transmit(frame) {
  if (ready && socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame));
  // otherwise it waits in the outbox and goes out after the next welcome
}

function connect() {
  clearTimeout(reconnectTimer);
  socket = new WebSocket(socketUrl());
  socket.addEventListener('open', onOpen);
  socket.addEventListener('message', onFrame);
  socket.addEventListener('close', onClose);
}

function onOpen() {
  const session = store.get(SESSION_KEY);
  socket.send(JSON.stringify({ type: 'hello', ...(session && { session }), lang }));
  pingTimer = setInterval(() => socket?.readyState === WebSocket.OPEN && socket.send('{"type":"ping"}'), PING_MS);
}

function onClose() {
  ready = false;
  clearInterval(pingTimer);
  setTyping(false);
  setConnectionNote(t.reconnecting);
  // Exponential backoff with jitter, so a restarted server is not hit by every browser at once.
  const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** attempt) * (0.8 + Math.random() * 0.2);
  attempt += 1;
  reconnectTimer = setTimeout(connect, delay);
}

function onWelcome(frame) {
  store.set(SESSION_KEY, frame.session);
  ready = true;
  attempt = 0;
  setConnectionNote('');
  renderHistory(frame.history);
  reconcileOutbox(frame.history);
  scroller.scrollTop = scroller.scrollHeight;
  for (const { frame: pending } of outbox.values()) transmit(pending);
}

function onError(frame) {
  const local = t.errors?.[frame.code];
  showNotice(
    local ? local.replace('{n}', /\d+/.exec(frame.message ?? '')?.[0] ?? '') : frame.message || 'something went wrong.',
  );
  if (!frame.id || !outbox.has(frame.id)) return;
  if (frame.code === 'unavailable' || frame.code === 'rate_limited') {
    // The server asks us to try again: the message stays in the outbox.
    const { frame: pending } = outbox.get(frame.id);
    setTimeout(() => outbox.has(pending.id) && transmit(pending), RETRY_LATER_MS);
    return;
  }
  // Rejected for good (empty, too long, malformed): resending would fail the same way.
  outbox.delete(frame.id);
  saveOutbox();
  markStatus(frame.id, 'failed');
}

const handlers = {
  welcome: onWelcome,
  ack(frame) {
    outbox.delete(frame.id);
    saveOutbox();
    markStatus(frame.id, 'sent');
  },
  typing(frame) {
    setTyping(frame.on === true);
  },
  message(frame) {
    setTyping(false);
    append(botRow(frame));
  },
  // Our own message, typed in another tab of this session.
  echo(frame) {
    append(patientRow({ id: frame.id, text: frame.text, status: 'sent' }));
  },
  error: onError,
  pong() {},
};

function onFrame(event) {
  let frame;
  try {
    frame = JSON.parse(event.data);
  } catch {
    return; // not ours to show the patient
  }
  handlers[frame?.type]?.(frame);
}

// ---------- composing ----------

/** crypto.randomUUID exists only on https (and localhost); a clinic trying Sehat on a LAN address has plain http. */
function newId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40; // version 4
  bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function sendText() {
  const text = input.value;
  if (!text.trim()) return;
  queue({ type: 'message', id: newId(), text }, text);
  input.value = '';
  updateComposer();
  input.focus();
}

function sendChoice(choice) {
  queue({ type: 'choice', id: newId(), choiceId: choice.id, label: choice.label }, choice.label);
}

/** Send is only enabled with something to send; the box grows with the text up to a few lines. */
function updateComposer() {
  sendButton.disabled = !input.value.trim();
  input.style.height = 'auto';
  input.style.height = `${Math.min(input.scrollHeight, 160)}px`;
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  sendText();
});
input.addEventListener('input', updateComposer);
input.addEventListener('keydown', (event) => {
  // Enter sends, Shift+Enter is a new line; not while an input method is still composing a word (phone keyboards).
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    sendText();
  }
});

// ---------- start ----------

function applyLanguage() {
  document.documentElement.lang = STRINGS[lang] ? lang : 'en';
  for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = t[node.dataset.i18n];
  for (const node of document.querySelectorAll('[data-i18n-placeholder]'))
    node.placeholder = t[node.dataset.i18nPlaceholder];
  for (const node of document.querySelectorAll('[data-i18n-aria-label]'))
    node.setAttribute('aria-label', t[node.dataset.i18nAriaLabel]);
  document.title = t.title;
}

if (embedded) {
  document.documentElement.classList.add('embed');
  // Inside the widget's iframe Escape reaches this document, not the host page: ask the widget to close.
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') window.parent.postMessage({ sehat: 'close' }, '*');
  });
}
applyLanguage();
setConnectionNote(t.connecting);
// A phone that regains its network should not wait out the backoff.
window.addEventListener('online', () => {
  if (!socket || socket.readyState === WebSocket.CLOSED) connect();
});
connect();
