// Sehat chat widget for a clinic's own website:
//   <script src="https://bot.example/widget.js" data-title="Ask our health educator"></script>
// Adds a floating button that opens a panel with the chat (an iframe of <script origin>/chat?embed=1).
// Classic script (not a module) so document.currentScript works; everything lives in a shadow root so the
// clinic's CSS cannot break the widget and the widget's CSS cannot leak into the clinic's page.
(() => {
  const script = document.currentScript;
  if (!script?.src || window.__sehatWidget) return; // loaded twice: one button is enough
  window.__sehatWidget = true;

  const origin = new URL(script.src, location.href).origin;
  const title = script.dataset.title || 'Ask our health educator';
  const closeLabel = script.dataset.closeLabel || 'Close chat';

  const css = `
    :host { all: initial; }
    * { box-sizing: border-box; }
    .launcher {
      position: fixed; right: 20px; bottom: 20px; z-index: 2147483000;
      display: inline-flex; align-items: center; gap: 8px; max-width: calc(100vw - 40px);
      min-height: 52px; padding: 0 20px 0 16px; border: 0; border-radius: 26px;
      background: #0b665b; color: #fff; box-shadow: 0 4px 14px rgb(0 0 0 / 25%);
      font: 600 16px/1.2 system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif; cursor: pointer;
    }
    .launcher:hover { background: #084f46; }
    .launcher[hidden] { display: none; }
    .launcher svg { flex: none; width: 22px; height: 22px; fill: currentColor; }
    .launcher span { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    button:focus-visible { outline: 3px solid #1f5fd1; outline-offset: 3px; }
    .panel {
      position: fixed; right: 20px; bottom: 20px; z-index: 2147483001;
      display: flex; flex-direction: column; width: 400px; height: min(640px, calc(100vh - 40px));
      border-radius: 14px; overflow: hidden; background: #fff; box-shadow: 0 8px 32px rgb(0 0 0 / 30%);
      font: 16px/1.3 system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif;
    }
    .panel[hidden] { display: none; }
    .bar { display: flex; align-items: center; gap: 8px; padding: 6px 6px 6px 16px; background: #084f46; color: #fff; }
    .bar h2 { flex: 1; margin: 0; font-size: 16px; font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    .close {
      width: 40px; height: 40px; border: 0; border-radius: 8px; background: transparent; color: #fff;
      font: 400 26px/1 system-ui, sans-serif; cursor: pointer;
    }
    .close:hover { background: rgb(255 255 255 / 15%); }
    .close:focus-visible { outline-color: #fff; outline-offset: -4px; }
    iframe { flex: 1; width: 100%; border: 0; }
    @media (max-width: 480px) {
      .panel { inset: 0; width: 100%; height: 100%; border-radius: 0; }
      .launcher { right: 12px; bottom: 12px; }
    }
  `;

  /** Builds an element; text goes in as text, never as HTML (data-title comes from the clinic's page). */
  function el(tag, attrs = {}, text) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
    if (text) node.textContent = text;
    return node;
  }

  function chatIcon() {
    const ns = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('focusable', 'false');
    const path = document.createElementNS(ns, 'path');
    path.setAttribute(
      'd',
      'M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6v2h2V9H7zm4 0v2h2V9h-2zm4 0v2h2V9h-2z',
    );
    svg.append(path);
    return svg;
  }

  /** Constructed stylesheets are not blocked by a host page's CSP that forbids inline <style>. */
  function addStyles(root) {
    try {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(css);
      root.adoptedStyleSheets = [sheet];
    } catch {
      root.append(el('style', {}, css));
    }
  }

  const host = el('div', { 'data-sehat-widget': '' });
  const root = host.attachShadow({ mode: 'open' });
  addStyles(root);

  const launcher = el('button', {
    type: 'button',
    class: 'launcher',
    'aria-expanded': 'false',
    'aria-controls': 'sehat-panel',
    'aria-haspopup': 'dialog',
  });
  launcher.append(chatIcon(), el('span', {}, title));

  const panel = el('div', { id: 'sehat-panel', class: 'panel', role: 'dialog', 'aria-label': title });
  panel.hidden = true;
  const bar = el('div', { class: 'bar' });
  const closeButton = el('button', { type: 'button', class: 'close', 'aria-label': closeLabel }, '×');
  bar.append(el('h2', {}, title), closeButton);
  panel.append(bar);

  let iframe = null;

  // The iframe is created on first open: visitors who never open the chat do not start a chat session.
  function ensureIframe() {
    if (iframe) return;
    iframe = el('iframe', {
      src: `${origin}/chat?embed=1`,
      title,
      allow: 'clipboard-write',
      referrerpolicy: 'no-referrer',
    });
    panel.append(iframe);
  }

  function open() {
    ensureIframe();
    panel.hidden = false;
    launcher.hidden = true; // on phones the panel covers the screen; on desktop it sits where the button was
    launcher.setAttribute('aria-expanded', 'true');
    iframe.focus();
  }

  function close() {
    panel.hidden = true;
    launcher.hidden = false;
    launcher.setAttribute('aria-expanded', 'false');
    launcher.focus(); // keyboard users land back where they started
  }

  launcher.addEventListener('click', open);
  closeButton.addEventListener('click', close);
  panel.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') close();
  });
  // Escape pressed inside the chat iframe is reported by the chat page (chat.js, embed mode).
  window.addEventListener('message', (event) => {
    if (
      event.origin === origin &&
      event.source === iframe?.contentWindow &&
      event.data?.sehat === 'close' &&
      !panel.hidden
    )
      close();
  });

  root.append(launcher, panel);
  const mount = () => document.body.append(host);
  if (document.body) mount();
  else document.addEventListener('DOMContentLoaded', mount);
})();
