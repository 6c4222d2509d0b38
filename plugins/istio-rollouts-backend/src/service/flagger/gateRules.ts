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

import type { FlaggerGate } from '@istio-rollouts/plugin-istio-rollouts-common';
import { FLAGGER_GATES } from '@istio-rollouts/plugin-istio-rollouts-common';
import { createHash } from 'node:crypto';

// What a Canary object says about its gates, without I/O: which webhooks
// point to the plugin, which revision Flagger is on, how often it calls.

/** Where the plugin's webhook router is served, below the backend's base URL. */
export const WEBHOOK_BASE_PATH = '/api/istio-rollouts/flagger';

/** The recent-call window is at least this long (and two intervals). */
const MIN_RECENT_CALL_MS = 60_000;
/** Flagger's own default analysis interval. */
const DEFAULT_INTERVAL_MS = 60_000;

export function isFlaggerGate(value: unknown): value is FlaggerGate {
  return (FLAGGER_GATES as readonly unknown[]).includes(value);
}

/** The path of one gate's webhook for a cluster (no token). */
export function webhookPath(cluster: string, gate: FlaggerGate): string {
  return `${WEBHOOK_BASE_PATH}/${encodeURIComponent(cluster)}/${gate}`;
}

/** A webhook of the Canary's analysis, as written. */
export interface CanaryWebhook {
  name: string;
  type: string;
  url?: string;
}

/** spec.analysis.webhooks, the ones with a type and a name. */
export function canaryWebhooks(canary: unknown): CanaryWebhook[] {
  const hooks = (canary as any)?.spec?.analysis?.webhooks;
  if (!Array.isArray(hooks)) return [];
  return hooks.flatMap((hook: any) =>
    typeof hook?.type === 'string' && typeof hook?.name === 'string'
      ? [
          {
            name: hook.name,
            type: hook.type,
            ...(typeof hook.url === 'string' && { url: hook.url }),
          },
        ]
      : [],
  );
}

/**
 * Where a webhook's URL points: the plugin's gate for this cluster (and
 * the token it carries), or elsewhere. Only the path counts, not the host:
 * Flagger reaches the backend by whatever address the cluster knows.
 */
export function pluginWebhookTarget(
  url: string | undefined,
  cluster: string,
  gate: FlaggerGate,
): { served: false } | { served: true; token?: string } {
  if (!url) return { served: false };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { served: false };
  }
  if (
    !parsed.pathname.replace(/\/+$/, '').endsWith(webhookPath(cluster, gate))
  ) {
    return { served: false };
  }
  // The token as the URL's password (sent by Go's HTTP client as Basic
  // auth, so it stays out of access logs), else as `?token=`.
  const token = parsed.password
    ? decodeURIComponent(parsed.password)
    : parsed.searchParams.get('token');
  return token === null ? { served: true } : { served: true, token };
}

/**
 * What Flagger's webhook checksum is made of: status.lastAppliedSpec and
 * status.trackedConfigs (Flagger hashes them with Go's spew, which is not
 * worth imitating). Equal keys mean the checksum Flagger sent then is the
 * one it sends now; a new revision changes the key.
 */
export function canaryRevisionKey(canary: unknown): string {
  const status = (canary as any)?.status ?? {};
  const lastAppliedSpec =
    typeof status.lastAppliedSpec === 'string' ? status.lastAppliedSpec : '';
  const tracked =
    status.trackedConfigs && typeof status.trackedConfigs === 'object'
      ? Object.entries(status.trackedConfigs as Record<string, unknown>)
          .map(([k, v]) => [k, String(v)])
          .sort(([a], [b]) => Number(a > b) - Number(a < b))
      : [];
  return createHash('sha256')
    .update(JSON.stringify([lastAppliedSpec, tracked]))
    .digest('hex');
}

/** status.canaryWeight, when it is a number. */
export function canaryWeight(canary: unknown): number | undefined {
  const weight = (canary as any)?.status?.canaryWeight;
  return typeof weight === 'number' && Number.isFinite(weight)
    ? weight
    : undefined;
}

const GO_DURATION_UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * A Go duration (`1m`, `30s`, `1m30s`, `500ms`) in milliseconds, or
 * undefined when it is not one.
 */
export function parseGoDuration(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const whole = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/;
  if (!whole.test(text)) return undefined;
  let ms = 0;
  for (const [, value, unit] of text.matchAll(
    /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g,
  )) {
    ms += Number(value) * GO_DURATION_UNITS[unit];
  }
  return ms;
}

/** spec.analysis.interval in ms (Flagger's default, 1 minute, when unset). */
export function analysisIntervalMs(canary: unknown): number {
  const ms = parseGoDuration((canary as any)?.spec?.analysis?.interval);
  return ms !== undefined && ms > 0 ? ms : DEFAULT_INTERVAL_MS;
}

/**
 * How long after a call Flagger is still known to be waiting at a gate:
 * two analysis intervals (one may be late), at least a minute.
 */
export function recentCallWindowMs(canary: unknown): number {
  return Math.max(2 * analysisIntervalMs(canary), MIN_RECENT_CALL_MS);
}

/** An opening as the gate decision reads it. */
export interface OpeningKey {
  revision: string;
  /** confirm-traffic-increase: the weight it was opened at; else undefined. */
  canaryWeight?: number;
}

/**
 * Whether a gate answers 200 to Flagger asking about `revision`, given the
 * gate's openings and the Canary's status.canaryWeight now.
 * confirm-rollout, confirm-promotion and rollback are open for the
 * revision they were opened for; confirm-traffic-increase for one
 * increase: while the weight is the one it was opened at.
 */
export function gateIsOpen(args: {
  gate: FlaggerGate;
  revision: string;
  openings: OpeningKey[];
  currentWeight: number | undefined;
}): boolean {
  const { gate, revision, openings, currentWeight } = args;
  return openings.some(
    o =>
      o.revision === revision &&
      (gate !== 'confirm-traffic-increase' ||
        (currentWeight !== undefined && o.canaryWeight === currentWeight)),
  );
}
