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

import { ObservedTrafficView, ObservedVersionTraffic } from '../metrics';
import { VersionView, VirtualServiceView } from '../types';
import {
  escapePromQLString,
  parsePromQLDuration,
  workloadRegex,
} from './templates';

// What each version of a VirtualService really received. Istio's metrics
// label a request with the Service it was sent to (destination_service)
// and the workload that answered it (destination_workload), never with the
// DestinationRule subset, so a version is measured by that pair.

/**
 * A version that the metrics can tell apart from the others, and how.
 *
 * @public
 */
export interface MeasuredVersion {
  versionKey: string;
  /** `destination_service`: the version's host, fully qualified. */
  service: string;
  /** `destination_workload`: the Deployments and Rollouts that run it. */
  workloads: string[];
}

/**
 * Which versions of a VirtualService the metrics can measure.
 *
 * @public
 */
export interface ObservedSelectors {
  measured: MeasuredVersion[];
  unmeasured: Array<{ versionKey: string; reason: string }>;
}

/**
 * One sample of a Prometheus instant vector. A NaN value (Prometheus'
 * "no value", e.g. a quantile of no requests) counts as absent.
 *
 * @public
 */
export interface PromSample {
  labels: Record<string, string>;
  value: number;
}

function workloadNames(version: VersionView): string[] {
  return [...new Set(version.workloads.map(w => w.name))].sort();
}

function describeWorkloads(version: VersionView, shared: string[]): string {
  const kinds = new Map(version.workloads.map(w => [w.name, w.kind]));
  return shared.map(name => `${kinds.get(name)} ${name}`).join(', ');
}

/**
 * How to find each version's requests in the metrics: its Service's FQDN
 * and the names of the workloads that run it. A version without workloads
 * cannot be measured, nor can two versions of one Service that share a
 * workload (e.g. subsets that select on a label the Deployments share):
 * the metrics cannot tell their requests apart.
 *
 * @public
 */
export function observedSelectors(vs: VirtualServiceView): ObservedSelectors {
  const measured: MeasuredVersion[] = [];
  const unmeasured: ObservedSelectors['unmeasured'] = [];
  const candidates = vs.versions.filter(v => {
    if (workloadNames(v).length === 0) {
      unmeasured.push({
        versionKey: v.key,
        reason: `No Deployment or Rollout runs ${v.label}, so no workload's metrics are its own.`,
      });
      return false;
    }
    return true;
  });
  for (const version of candidates) {
    const names = workloadNames(version);
    const overlapping = candidates
      .filter(other => other !== version && other.fqdn === version.fqdn)
      .map(other => ({
        other,
        shared: workloadNames(other).filter(n => names.includes(n)),
      }))
      .filter(o => o.shared.length > 0);
    if (overlapping.length === 0) {
      measured.push({
        versionKey: version.key,
        service: version.fqdn,
        workloads: names,
      });
      continue;
    }
    const shared = [...new Set(overlapping.flatMap(o => o.shared))].sort();
    unmeasured.push({
      versionKey: version.key,
      reason: `Its requests cannot be told apart from those of ${overlapping
        .map(o => o.other.label)
        .join(
          ', ',
        )}: Istio's metrics name the workload, not the subset, and ${describeWorkloads(
        version,
        shared,
      )} of ${version.fqdn} serves both.`,
    });
  }
  return { measured, unmeasured };
}

/**
 * Three PromQL instant queries, each answering one sample per
 * (destination_service, destination_workload) of the given Services (FQDNs):
 * requests per second, requests per second not answered with a 5xx, and
 * the 99th percentile latency in milliseconds, over `window`. Throws when
 * `window` is not a PromQL duration.
 *
 * @public
 */
export function observedTrafficQueries(
  namespace: string | string[],
  services: string[],
  window: string,
): { requests: string; successes: string; latencyP99: string } {
  if (parsePromQLDuration(window) === undefined) {
    throw new Error(
      `The window '${window}' is not a PromQL duration such as 1m`,
    );
  }
  const namespaces = [
    ...new Set(typeof namespace === 'string' ? [namespace] : namespace),
  ];
  // One namespace matches exactly; several (Services of a VirtualService
  // may live in other namespaces) as an alternation.
  const namespaceMatcher =
    namespaces.length === 1
      ? `destination_workload_namespace="${escapePromQLString(namespaces[0])}"`
      : `destination_workload_namespace=~"${escapePromQLString(
          workloadRegex(namespaces),
        )}"`;
  const selector = `reporter="destination", ${namespaceMatcher}, destination_service=~"${escapePromQLString(
    workloadRegex(services),
  )}"`;
  const by = 'destination_service, destination_workload';
  return {
    requests: `sum by (${by}) (rate(istio_requests_total{${selector}}[${window}]))`,
    successes: `sum by (${by}) (rate(istio_requests_total{${selector}, response_code!~"5.*"}[${window}]))`,
    latencyP99: `histogram_quantile(0.99, sum by (${by}, le) (rate(istio_request_duration_milliseconds_bucket{${selector}}[${window}])))`,
  };
}

function roundTo(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

// The samples of one version: its Service, one of its workloads, a value.
function samplesOf(samples: PromSample[], selector: MeasuredVersion) {
  return samples.filter(
    s =>
      !Number.isNaN(s.value) &&
      s.labels.destination_service === selector.service &&
      selector.workloads.includes(s.labels.destination_workload),
  );
}

function sumOf(samples: PromSample[]): number {
  return samples.reduce((total, s) => total + s.value, 0);
}

/**
 * The traffic view from the answers to observedTrafficQueries. Shares are
 * percent of all requests the measured versions received (0.1 precision),
 * success rates percent (0.01), latency milliseconds (0.1). A version
 * served by several workloads gets their highest 99th percentile: the
 * metrics give one per workload, and quantiles do not add up.
 *
 * @public
 */
export function observedTrafficFrom(
  vs: VirtualServiceView,
  selectors: ObservedSelectors,
  samples: {
    requests: PromSample[];
    successes: PromSample[];
    latencyP99: PromSample[];
  },
  at: string,
  window: string,
): ObservedTrafficView {
  const order = new Map(vs.versions.map((v, i) => [v.key, i]));
  const measured = [...selectors.measured].sort(
    (a, b) =>
      (order.get(a.versionKey) ?? Infinity) -
      (order.get(b.versionKey) ?? Infinity),
  );
  const raw = measured.map(selector => {
    const requests = samplesOf(samples.requests, selector);
    const rps = sumOf(requests);
    const answering = new Set(
      requests.filter(s => s.value > 0).map(s => s.labels.destination_workload),
    );
    const successes = sumOf(samplesOf(samples.successes, selector));
    // Only workloads that answered requests have a meaningful quantile.
    const p99s = samplesOf(samples.latencyP99, selector)
      .filter(s => answering.has(s.labels.destination_workload))
      .map(s => s.value);
    return { selector, rps, successes, p99s };
  });
  const total = raw.reduce((sum, r) => sum + r.rps, 0);
  const versions: ObservedVersionTraffic[] = raw.map(
    ({ selector, rps, successes, p99s }) => ({
      versionKey: selector.versionKey,
      requestsPerSecond: roundTo(rps, 3),
      share: total > 0 ? roundTo((100 * rps) / total, 1) : null,
      successRate:
        rps > 0 ? roundTo(Math.min(100, (100 * successes) / rps), 2) : null,
      p99Ms: rps > 0 && p99s.length > 0 ? roundTo(Math.max(...p99s), 1) : null,
    }),
  );
  const view: ObservedTrafficView = {
    source: 'prometheus',
    window,
    at,
    versions,
  };
  if (selectors.unmeasured.length > 0) {
    view.unmeasured = selectors.unmeasured.map(u => ({ ...u }));
  }
  return view;
}
