/** Prints the functions with the most self time in a .cpuprofile (node --cpu-prof): `tsx bench/lib/cpuprofile-top.ts file [n]`. */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
export function topFunctions(file: string, n = 15): { name: string; selfPct: number }[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Node[]; samples: number[] };
  const self = new Map<string, number>();
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  for (const id of profile.samples) {
    const node = byId.get(id);
    if (!node) continue;
    const f = node.callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/main\//, '')}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + 1);
  }
  const total = profile.samples.length;
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, hits]) => ({ name, selfPct: Math.round((hits / total) * 1000) / 10 }));
}
if (process.argv[1]?.endsWith('cpuprofile-top.ts')) {
  for (const row of topFunctions(process.argv[2] as string, Number(process.argv[3] ?? 15)))
    console.log(`${String(row.selfPct).padStart(5)}%  ${row.name}`);
}
