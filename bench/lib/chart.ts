import type { LoadPoint } from './context.ts';

/**
 * A dependency-free SVG of throughput and latency vs offered load (fixed arrival rate): left, messages handled
 * per second; right, webhook → reply-sent latency p50 and p99 (log scale).
 */
export function loadChart(points: LoadPoint[], subtitle: string): string {
  const systems = [...new Set(points.filter((p) => p.system !== 'bare').map((p) => p.system))];
  const W = 900;
  const H = 380;
  const pad = { l: 60, r: 20, t: 50, b: 50 };
  const panelW = (W - pad.l - pad.r - 60) / 2;
  const panelH = H - pad.t - pad.b;
  const colors = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd'];
  const sys = points.filter((p) => p.system !== 'bare');
  const maxX = Math.max(1, ...sys.map((p) => p.offeredPerS)) * 1.05;
  const maxY = Math.max(1, ...sys.map((p) => Math.max(p.achievedPerS, p.offeredPerS))) * 1.05;
  const lat = sys.flatMap((p) => [p.p50Ms, p.p99Ms]).filter((v) => Number.isFinite(v) && v > 0);
  const minL = Math.max(0.1, Math.min(1, ...lat));
  const maxL = Math.max(10, ...lat) * 1.2;
  const x = (v: number, ox: number) => ox + (v / maxX) * panelW;
  const y1 = (v: number) => pad.t + panelH - (v / maxY) * panelH;
  const y2 = (v: number) =>
    pad.t + panelH - ((Math.log10(v) - Math.log10(minL)) / (Math.log10(maxL) - Math.log10(minL))) * panelH;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="18" text-anchor="middle" font-size="14">Sehat end to end: throughput and latency vs offered load (WhatsApp webhooks, fixed arrival rate)</text>`,
    `<text x="${W / 2}" y="34" text-anchor="middle" fill="#666">${subtitle}</text>`,
  ];
  const ox2 = pad.l + panelW + 60;
  for (const [ox, title] of [
    [pad.l, 'messages handled per second'],
    [ox2, 'webhook → reply sent (ms, log): solid p50, dashed p99'],
  ] as const) {
    out.push(`<rect x="${ox}" y="${pad.t}" width="${panelW}" height="${panelH}" fill="none" stroke="#999"/>`);
    out.push(
      `<text x="${ox + panelW / 2}" y="${H - 12}" text-anchor="middle">offered load (messages/s) — ${title}</text>`,
    );
    for (let i = 0; i <= 4; i++) {
      const v = (maxX * i) / 4;
      out.push(`<text x="${x(v, ox)}" y="${pad.t + panelH + 14}" text-anchor="middle">${Math.round(v)}</text>`);
    }
  }
  for (let i = 0; i <= 4; i++) {
    const v = (maxY * i) / 4;
    out.push(`<text x="${pad.l - 4}" y="${y1(v) + 4}" text-anchor="end">${Math.round(v)}</text>`);
  }
  for (let e = Math.ceil(Math.log10(minL)); e <= Math.floor(Math.log10(maxL)); e++) {
    out.push(`<text x="${ox2 - 4}" y="${y2(10 ** e) + 4}" text-anchor="end">${10 ** e}</text>`);
    out.push(`<line x1="${ox2}" x2="${ox2 + panelW}" y1="${y2(10 ** e)}" y2="${y2(10 ** e)}" stroke="#eee"/>`);
  }
  out.push(
    `<line x1="${pad.l}" y1="${y1(0)}" x2="${x(Math.min(maxX, maxY), pad.l)}" y2="${y1(Math.min(maxX, maxY))}" stroke="#ccc" stroke-dasharray="3,3"/>`,
  );
  systems.forEach((name, i) => {
    const color = colors[i % colors.length];
    const ps = sys.filter((p) => p.system === name).sort((a, b) => a.offeredPerS - b.offeredPerS);
    const path = (f: (p: LoadPoint) => [number, number]) =>
      ps.map((p, j) => `${j ? 'L' : 'M'}${f(p)[0].toFixed(1)},${f(p)[1].toFixed(1)}`).join(' ');
    out.push(
      `<path d="${path((p) => [x(p.offeredPerS, pad.l), y1(p.achievedPerS)])}" fill="none" stroke="${color}" stroke-width="2"/>`,
    );
    const ok = ps.filter((p) => p.p50Ms > 0 && p.p99Ms > 0);
    const pathL = (f: (p: LoadPoint) => number) =>
      ok.map((p, j) => `${j ? 'L' : 'M'}${x(p.offeredPerS, ox2).toFixed(1)},${y2(f(p)).toFixed(1)}`).join(' ');
    out.push(`<path d="${pathL((p) => p.p50Ms)}" fill="none" stroke="${color}" stroke-width="2"/>`);
    out.push(
      `<path d="${pathL((p) => p.p99Ms)}" fill="none" stroke="${color}" stroke-width="2" stroke-dasharray="5,3"/>`,
    );
    for (const p of ps)
      out.push(`<circle cx="${x(p.offeredPerS, pad.l)}" cy="${y1(p.achievedPerS)}" r="3" fill="${color}"/>`);
    out.push(`<text x="${pad.l + 8}" y="${pad.t + 14 + i * 14}" fill="${color}">${name}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}
