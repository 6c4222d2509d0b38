/*
 * Copyright 2026 The Istio Rollouts for Backstage Authors
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

import {
  RoutingObjectKind,
  isTrafficChangeOutcome,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { AuditStore, RouteChangeEntry } from '../database/AuditStore';

// Records are read again from this many ids below the highest one seen: a
// record whose transaction committed after a later one's (another replica,
// a slow insert) gets a lower id than one already read, and is still found.
const RESCAN_IDS = 1000;
const PAGE = 10_000;

/** A routing object, as the trail names it. */
export interface RoutingObjectRef {
  cluster: string;
  namespace: string;
  name: string;
  /** Absent: a VirtualService. */
  kind?: RoutingObjectKind;
}

/** The key of one route of a routing object (`route`: index or name). */
export function routeKey(object: RoutingObjectRef, route: string): string {
  return [
    object.cluster,
    object.kind ?? 'VirtualService',
    object.namespace,
    object.name,
    route,
  ].join('\u0000');
}

/**
 * When each route last changed according to the audit trail (its newest
 * applied or observed record), kept in memory and brought up to date from
 * the records added since the last look: a call costs the records written
 * in between, not the size of the trail. A write whose outcome was unknown
 * counts once it is settled as applied.
 */
export class RouteChangeTimes {
  private readonly latest = new Map<string, number>();
  private readonly unsettled = new Set<number>();
  private lastId = 0;
  private running?: Promise<void>;

  constructor(private readonly store: AuditStore) {}

  /** Reads the records added (or settled) since the last call. */
  refresh(): Promise<void> {
    this.running ??= this.read().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Epoch milliseconds of the route's last change, if the trail has one. */
  lastChange(object: RoutingObjectRef, route: string): number | undefined {
    return this.latest.get(routeKey(object, route));
  }

  private async read() {
    let after = Math.max(0, this.lastId - RESCAN_IDS);
    for (;;) {
      const entries = await this.store.routeChangeLog({
        afterId: after,
        limit: PAGE,
      });
      for (const entry of entries) this.apply(entry);
      if (entries.length < PAGE) break;
      after = entries[entries.length - 1].id;
    }
    if (this.unsettled.size) {
      const settled = await this.store.routeChangeLog({
        ids: [...this.unsettled],
        limit: this.unsettled.size,
      });
      for (const entry of settled) this.apply(entry);
    }
  }

  private apply(entry: RouteChangeEntry) {
    this.lastId = Math.max(this.lastId, entry.id);
    if (entry.outcome === 'unknown') {
      this.unsettled.add(entry.id);
      return;
    }
    this.unsettled.delete(entry.id);
    if (!isTrafficChangeOutcome(entry.outcome)) return;
    const key = routeKey(entry, entry.route);
    const at = Date.parse(entry.at);
    if (!((this.latest.get(key) ?? -Infinity) >= at)) this.latest.set(key, at);
  }
}
