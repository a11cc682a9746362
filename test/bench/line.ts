// The waiting line under load, in simulated time: 100 learners arrive over 60 s at a server of 20
// slots; each keeps their machine 1–3 minutes; a waiting page calls every 3 s and gives up after
// 10 minutes. The real Admission, WaitingLine and SessionManager (with its SQLite store) run; only
// the machines are the fake runtime's, so the figures are the line's own cost and fairness.
// `npm run bench` prints them; `tsx test/bench/line.ts` alone too.
import { percentile } from './figures.ts';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Admission, type Admitted } from '../../sandbox-server/src/capacity/admission.ts';
import { RateLimiter } from '../../sandbox-server/src/capacity/rate-limiter.ts';
import { WaitingLine } from '../../sandbox-server/src/capacity/waiting-line.ts';
import { openDatabase } from '../../sandbox-server/src/database.ts';
import { FakeRuntime } from '../../sandbox-server/src/sessions/fake-runtime.ts';
import { SessionManager } from '../../sandbox-server/src/sessions/session-manager.ts';
import { SessionStore } from '../../sandbox-server/src/sessions/session-store.ts';

const CLIENTS = 100;
const ARRIVALS_OVER_MS = 60_000;
const SLOTS = 20;
const CALL_EVERY_MS = 3000;
const PATIENCE_MS = 10 * 60_000;

interface Client {
  n: number;
  arrivedAt: number;
  keepsMs: number;
  ticket?: string;
  servedAt?: number;
  leftAt?: number;
  sessionId?: string;
}

type Event = { at: number; kind: 'arrive' | 'call' | 'finish' | 'keeper'; client?: Client };

export interface LineFigures {
  served: number;
  left: number;
  waitP50Ms: number;
  waitP95Ms: number;
  orderViolations: number;
  cpuMs: number;
  peakHeapGrowthBytes: number;
  peakWaiting: number;
}

/** A reproducible random sequence, so two runs compare. */
function random(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
}

export async function lineFigures(seed = 42): Promise<LineFigures> {
  const rand = random(seed);
  const clock = { now: 0 };
  const now = () => clock.now;
  const runtime = new FakeRuntime();
  const sessions = new SessionManager(
    new SessionStore(openDatabase(':memory:')),
    runtime,
    {
      ttlMs: 240 * 60_000,
      idleMs: 30 * 60_000,
      maxSessions: SLOTS,
      limits: { memoryBytes: 1, nanoCpus: 1, pidsLimit: 1, diskBytes: 1 },
      readyTimeoutMs: 1000,
    },
    now,
  );
  const line = new WaitingLine({ graceMs: 30_000, maxLength: 500 }, now);
  const admission = new Admission(
    sessions,
    line,
    {
      create: new RateLimiter({ burst: 6, perMinute: 6 }, now),
      poll: new RateLimiter({ burst: 30, perMinute: 120 }, now),
    },
    { perLearner: 1, perAddress: 4, defaultFreeIntervalMs: 90_000 },
    () => false,
    now,
  );

  const clients: Client[] = Array.from({ length: CLIENTS }, (_, n) => ({
    n,
    arrivedAt: Math.floor(rand() * ARRIVALS_OVER_MS),
    keepsMs: 60_000 + Math.floor(rand() * 120_000),
  }));
  const events: Event[] = clients.map((client) => ({ at: client.arrivedAt, kind: 'arrive', client }));
  for (let at = 0; at < 30 * 60_000; at += 2000) events.push({ at, kind: 'keeper' });
  const schedule = (event: Event) => {
    // Kept sorted by time; ties keep insertion order.
    let i = events.length;
    while (i > 0 && events[i - 1]!.at > event.at) i--;
    events.splice(i, 0, event);
  };
  events.sort((a, b) => a.at - b.at);

  let orderViolations = 0;
  let peakWaiting = 0;
  let peakHeap = 0;
  const heapBefore = process.memoryUsage().heapUsed;
  const cpuBefore = process.cpuUsage();

  const answer = (client: Client, admitted: Admitted) => {
    if (admitted.status === 202) {
      client.ticket = admitted.ticket;
      schedule({ at: clock.now + CALL_EVERY_MS, kind: 'call', client });
      return;
    }
    // Served when the server made the machine for them (a waiting page picks it up at its next call).
    client.servedAt = sessions.record(admitted.record.id)?.createdAt ?? clock.now;
    client.sessionId = admitted.record.id;
    schedule({ at: clock.now + client.keepsMs, kind: 'finish', client });
  };

  while (events.length > 0) {
    const event = events.shift()!;
    clock.now = event.at;
    const client = event.client;
    if (event.kind === 'keeper') {
      if (clients.every((c) => c.servedAt !== undefined || c.leftAt !== undefined) && line.length === 0)
        continue;
      await admission.serve();
    } else if (event.kind === 'arrive') {
      answer(
        client!,
        await admission.request({
          lesson: null,
          learner: `learner-${client!.n}`,
          address: `10.0.0.${client!.n}`,
        }),
      );
    } else if (event.kind === 'call') {
      if (clock.now - client!.arrivedAt > PATIENCE_MS) client!.leftAt = clock.now;
      else answer(client!, await admission.poll(client!.ticket!, `learner-${client!.n}`));
    } else {
      await sessions.destroy(client!.sessionId!);
    }
    peakWaiting = Math.max(peakWaiting, line.length);
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed - heapBefore);
  }
  const cpu = process.cpuUsage(cpuBefore);
  // Someone who came earlier, and had not given up, got their machine later: passed over.
  for (const c of clients) {
    if (c.servedAt === undefined) continue;
    const passedOver = clients.some(
      (d) =>
        d.arrivedAt < c.arrivedAt &&
        (d.servedAt !== undefined ? d.servedAt > c.servedAt! : (d.leftAt ?? Infinity) > c.servedAt!),
    );
    if (passedOver) orderViolations++;
  }
  const waits = clients.filter((c) => c.servedAt !== undefined).map((c) => c.servedAt! - c.arrivedAt);
  return {
    served: waits.length,
    left: clients.filter((c) => c.leftAt !== undefined).length,
    waitP50Ms: percentile(waits, 50),
    waitP95Ms: percentile(waits, 95),
    orderViolations,
    cpuMs: (cpu.user + cpu.system) / 1000,
    peakHeapGrowthBytes: peakHeap,
    peakWaiting,
  };
}

export function formatLineFigures(f: LineFigures): string {
  const min = (ms: number) => `${(ms / 60_000).toFixed(1)} min`;
  return [
    `  waiting line (${CLIENTS} learners over ${ARRIVALS_OVER_MS / 1000} s, ${SLOTS} slots, machines kept 1–3 min, simulated):`,
    `    served ${f.served}/${CLIENTS} (${f.left} gave up after 10 min), wait p50 ${min(f.waitP50Ms)}, p95 ${min(f.waitP95Ms)}, order violations ${f.orderViolations}`,
    `    longest line ${f.peakWaiting}; the server's CPU for the whole run ${f.cpuMs.toFixed(0)} ms, peak heap growth ${(f.peakHeapGrowthBytes / 1024 / 1024).toFixed(1)} MiB`,
  ].join('\n');
}

if (path.resolve(process.argv[1] ?? '') === fileURLToPath(import.meta.url)) {
  lineFigures().then(
    (figures) => console.log(formatLineFigures(figures)),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
