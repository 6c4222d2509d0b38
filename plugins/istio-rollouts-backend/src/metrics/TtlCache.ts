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

/**
 * Answers kept for a while, by key: the promise itself, so concurrent
 * callers share one call, and failures too (a Prometheus that is down is
 * not asked again by every view). Bounded: past the limit, expired entries
 * go, then all.
 */
export class TtlCache {
  private readonly entries = new Map<
    string,
    { expires: number; value: Promise<unknown> }
  >();

  constructor(
    private readonly options: {
      ttlMs: number;
      now: () => Date;
      maxEntries?: number;
    },
  ) {}

  get<T>(key: string, load: () => Promise<T>): Promise<T> {
    const { ttlMs, maxEntries = 2_000 } = this.options;
    const now = this.options.now().getTime();
    const hit = this.entries.get(key);
    if (hit && hit.expires > now) return hit.value as Promise<T>;
    const value = load();
    if (ttlMs > 0) {
      if (this.entries.size >= maxEntries) {
        for (const [k, entry] of this.entries) {
          if (entry.expires <= now) this.entries.delete(k);
        }
        if (this.entries.size >= maxEntries) this.entries.clear();
      }
      this.entries.set(key, { expires: now + ttlMs, value });
      // Whoever awaits it sees the failure; the cache must not leave it
      // unhandled.
      value.catch(() => undefined);
    }
    return value;
  }
}
