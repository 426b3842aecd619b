/**
 * Redis round trips per money request: a gateway on a private redis-server, unique money requests
 * then retried duplicates, counted with MONITOR (commands run inside Lua scripts excluded).
 */
import { pin } from './child.js';
import { closedLoop, type LoadResult } from './load.js';
import { benchPrefix, commandStats, countTrips, diffStats, startDedicatedRedis, type TripCount } from './redis.js';
import { CPU_AUX, CPU_SUT, placeWallet, round, startGateway, type Rig } from './rig.js';
import { createTraffic } from './traffic.js';

export interface TripPhase {
  requests: number;
  ok: number;
  trips: TripCount;
  perRequest: number;
  commandstats: Record<string, number>;
}

export interface TripResult {
  redis: string;
  unique: TripPhase;
  duplicates: TripPhase;
  /** Expected average over the bench mix (1 in 20 a duplicate). */
  mixPerRequest: number;
}

export async function tripProbe(rig: Rig): Promise<TripResult> {
  const { o, wallet } = rig;
  const redis = await startDedicatedRedis();
  try {
    if (rig.pinned) pin(redis.pid, CPU_AUX);
    const prefix = benchPrefix();
    const gw = await startGateway('gateway-trips', wallet.url, redis.url, prefix, o);
    try {
      if (rig.pinned) gw.pin(CPU_SUT);
      placeWallet(rig, 'd');
      const traffic = createTraffic({ flavor: 'jackpot', duplicateEvery: 0 });
      const connections = Math.min(o.connections, 8);
      // Warm: connections open, scripts loaded (the first EVALSHA of each script is answered NOSCRIPT).
      await closedLoop({ url: gw.url, traffic, connections, amount: Math.max(connections, 200) });
      const sub = async (duplicatesOnly: boolean): Promise<TripPhase> => {
        traffic.setMix({ duplicatesOnly });
        traffic.reset();
        const before = await commandStats(redis.url);
        let r: LoadResult | undefined;
        const trips = await countTrips(redis.url, async () => {
          r = await closedLoop({ url: gw.url, traffic, connections, amount: o.tripRequests });
        });
        const after = await commandStats(redis.url);
        const stats = diffStats(before, after);
        // Our own INFO and MONITOR/ECHO traffic is not the gateway's.
        for (const k of ['info', 'monitor', 'echo', 'ping']) delete stats[k];
        const ok = r!.traffic.ok.debit + r!.traffic.ok.credit + r!.traffic.ok.duplicate;
        return { requests: r!.requests, ok, trips, perRequest: r!.requests > 0 ? round(trips.total / r!.requests, 3) : 0, commandstats: stats };
      };
      const unique = await sub(false);
      const duplicates = await sub(true);
      const mixPerRequest = round(unique.perRequest * (19 / 20) + duplicates.perRequest * (1 / 20), 3);
      o.log(`     unique money request: ${unique.perRequest} trips (${fmtTrips(unique.trips)}); retried duplicate: ${duplicates.perRequest} (${fmtTrips(duplicates.trips)})`);
      return { redis: `dedicated redis-server on ${redis.url}`, unique, duplicates, mixPerRequest };
    } finally {
      await gw.stop();
    }
  } finally {
    await redis.stop();
  }
}

export function fmtTrips(t: TripCount): string {
  return Object.entries(t.byCommand).map(([k, v]) => `${k}×${v}`).join(', ') || 'none';
}

