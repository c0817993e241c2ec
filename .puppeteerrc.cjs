// puppeteer (used by whatsapp-web.js) must never download its own browser:
// installs reach only the npm registry, so Debian's Chromium is used instead.
module.exports = {
  skipDownload: true,
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
};
