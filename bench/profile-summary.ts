/**
 * Summarises a V8 CPU profile (`node --cpu-prof`, or `npm run bench -- --profile DIR`): the
 * functions with the most self time, with file:line and their share of the samples, then the
 * share per area (gateway source by folder, each dependency, Node internals, GC, idle).
 *
 *   node dist/bench/profile-summary.js FILE.cpuprofile [TOP]
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface HotFunction {
  name: string;
  where: string;
  area: string;
  selfMs: number;
  /** Share of the busy (non-idle) samples spent in this function itself. */
  selfPct: number;
  /** Share of the busy samples with this function anywhere on the stack. */
  totalPct: number;
  /** The call paths (up to 3 frames) that account for most of its self time. */
  callers: { path: string; pct: number }[];
}

export interface ProfileSummary {
  totalMs: number;
  /** Share of the samples in which the process was not idle. Every other % is of the busy time. */
  busyPct: number;
  top: HotFunction[];
  areas: { area: string; pct: number }[];
}

/** Classifies a frame: gateway folder, dependency, node internal, or a V8 pseudo-frame. */
export function areaOf(f: CallFrame): string {
  const u = f.url;
  if (!u) {
    if (f.functionName === '(idle)') return '(idle)';
    if (f.functionName === '(garbage collector)') return '(gc)';
    if (f.functionName === '(program)') return '(program)';
    return '(native)';
  }
  if (u.startsWith('node:')) return `node:${u.slice(5).split('/')[0]}`;
  const nm = u.lastIndexOf('/node_modules/');
  if (nm !== -1) {
    const rest = u.slice(nm + 14).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const g = u.indexOf('/gateway/');
  if (g !== -1) return `gateway/${u.slice(g + 9).split('/')[0]!.replace(/\.js$/, '')}`;
  const b = u.indexOf('/bench/');
  if (b !== -1) return 'bench';
  return 'other';
}

/** Where a frame is: compiled files keep their dist path and JS line (see the .js.map for the .ts line). */
function shortUrl(u: string): string {
  const i = u.lastIndexOf('/dist/');
  if (i !== -1) return u.slice(i + 1);
  const nm = u.lastIndexOf('/node_modules/');
  if (nm !== -1) return u.slice(nm + 14);
  return u.replace(/^file:\/\//, '');
}

/**
 * @example summarise(JSON.parse(readFileSync('gateway-d.cpuprofile', 'utf8')), 25)
 */
export function summarise(p: CpuProfile, topN = 25): ProfileSummary {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  let total = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i] ?? 0;
    self.set(p.samples[i]!, (self.get(p.samples[i]!) ?? 0) + dt);
    total += dt;
  }
  const key = (f: CallFrame): string => `${f.functionName || '(anonymous)'}\u0000${f.url}\u0000${f.lineNumber}`;
  const fnSelf = new Map<string, { f: CallFrame; us: number; callers: Map<string, number> }>();
  const fnTotal = new Map<string, number>();
  const areaUs = new Map<string, number>();
  let idle = 0;
  for (const [id, us] of self) {
    const n = byId.get(id)!;
    const k = key(n.callFrame);
    const e = fnSelf.get(k) ?? { f: n.callFrame, us: 0, callers: new Map<string, number>() };
    e.us += us;
    fnSelf.set(k, e);
    const chain: string[] = [];
    for (let cur = parent.get(id); cur !== undefined && chain.length < 3; cur = parent.get(cur)) {
      const cf = byId.get(cur)!.callFrame;
      if (cf.functionName === '(root)') break;
      chain.push(`${cf.functionName || '(anonymous)'}${cf.url ? ` ${shortUrl(cf.url).split('/').pop()}:${cf.lineNumber + 1}` : ''}`);
    }
    const ck = chain.join(' < ');
    e.callers.set(ck, (e.callers.get(ck) ?? 0) + us);
    const area = areaOf(n.callFrame);
    areaUs.set(area, (areaUs.get(area) ?? 0) + us);
    if (area === '(idle)') idle += us;
    // Inclusive time: once per distinct function on this sample's stack.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const kk = key(byId.get(cur)!.callFrame);
      if (seen.has(kk)) continue;
      seen.add(kk);
      fnTotal.set(kk, (fnTotal.get(kk) ?? 0) + us);
    }
  }
  const busy = total - idle;
  const pct = (us: number): number => (busy > 0 ? Math.round((us / busy) * 1000) / 10 : 0);
  const top = [...fnSelf.entries()]
    .filter(([, e]) => areaOf(e.f) !== '(idle)')
    .sort((x, y) => y[1].us - x[1].us)
    .slice(0, topN)
    .map(([k, { f, us, callers }]) => ({
      name: f.functionName || '(anonymous)',
      where: f.url ? `${shortUrl(f.url)}:${f.lineNumber + 1}` : '',
      area: areaOf(f),
      selfMs: Math.round(us / 100) / 10,
      selfPct: pct(us),
      totalPct: pct(fnTotal.get(k) ?? 0),
      callers: [...callers.entries()].sort((x, y) => y[1] - x[1]).slice(0, 2).map(([path, cus]) => ({ path, pct: pct(cus) })),
    }));
  const areas = [...areaUs.entries()].filter(([a]) => a !== '(idle)').sort((x, y) => y[1] - x[1]).map(([area, us]) => ({ area, pct: pct(us) }));
  return { totalMs: Math.round(total / 1000), busyPct: total > 0 ? Math.round((busy / total) * 1000) / 10 : 0, top, areas };
}

export function renderSummary(s: ProfileSummary, withCallers = true): string {
  const lines = [`${s.totalMs} ms sampled, busy ${s.busyPct}%; shares below are of the busy time`, '', 'self %  total %  function  (where)'];
  for (const t of s.top) {
    lines.push(`${t.selfPct.toFixed(1).padStart(6)}  ${t.totalPct.toFixed(1).padStart(7)}  ${t.name}  (${t.where || t.area})`);
    if (withCallers) for (const c of t.callers) lines.push(`${''.padStart(17)}${c.pct.toFixed(1).padStart(5)} via ${c.path}`);
  }
  lines.push('', 'by area (self time):');
  for (const a of s.areas.slice(0, 20)) lines.push(`${a.pct.toFixed(1).padStart(6)}  ${a.area}`);
  return lines.join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: node dist/bench/profile-summary.js FILE.cpuprofile [TOP]');
    process.exit(2);
  }
  const top = Number(process.argv[3] ?? 30);
  console.log(renderSummary(summarise(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, top)));
}
