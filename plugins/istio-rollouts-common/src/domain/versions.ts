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

import { VersionView } from '../types';
import { hostMatches, parseServiceFqdn, shortHostName } from '../kube/hosts';
import { DestinationRuleModel } from '../kube/readIstio';
import { ObjectIndex } from './objectIndex';
import { findWorkloads, narrowToRevision, toWorkloadView } from './workloads';

/**
 * A version as the domain sees it: the wire view plus what the warnings need.
 *
 * @internal
 */
export interface VersionInfo {
  view: VersionView;
  /** False when a subset is named but no DestinationRule for the host defines it. */
  subsetDefined: boolean;
  /** The host is not a cluster Service (a ServiceEntry, an external name). */
  external: boolean;
}

/**
 * The DestinationRule subset Istio would use for `fqdn`. Several rules may
 * name the host; like Istio, prefer the caller's namespace, then the host's,
 * then any other, and an exact host over a wildcard.
 *
 * @internal
 */
export function findSubset(
  index: ObjectIndex,
  fqdn: string,
  subset: string,
  preferredNamespaces: string[],
): { rule: DestinationRuleModel; labels: Record<string, string> } | undefined {
  const rank = (rule: DestinationRuleModel) => {
    const host = index.resolve(rule.host, rule.meta.namespace);
    const ns = preferredNamespaces.indexOf(rule.meta.namespace);
    return (
      (host === fqdn ? 0 : 10) + (ns < 0 ? preferredNamespaces.length : ns)
    );
  };
  const candidates = index.destinationRules
    .filter(
      rule =>
        hostMatches(index.resolve(rule.host, rule.meta.namespace), fqdn) &&
        rule.subsets.some(s => s.name === subset),
    )
    .sort((a, b) => rank(a) - rank(b));
  const rule = candidates[0];
  const found = rule?.subsets.find(s => s.name === subset);
  return rule && found ? { rule, labels: found.labels } : undefined;
}

/**
 * The versions one VirtualService sends traffic to, keyed as the wire types
 * say: `host/subset` for subsets, the host's short name for host-split versions.
 *
 * @internal
 */
export class VersionCatalog {
  private readonly versions = new Map<string, VersionInfo>();

  constructor(
    private readonly index: ObjectIndex,
    private readonly namespace: string,
  ) {}

  /** Registers the version of a destination and returns its key. */
  add(host: string, subset: string | undefined): string {
    const fqdn = this.index.resolve(host, this.namespace);
    const short = shortHostName(fqdn, this.namespace);
    const key = subset ? `${short}/${subset}` : short;
    if (!this.versions.has(key)) {
      this.versions.set(key, this.build(key, short, host, fqdn, subset));
    }
    return key;
  }

  get(key: string): VersionInfo | undefined {
    return this.versions.get(key);
  }

  /** All versions, labels made unique (two hosts may both have a `v1`). */
  list(): VersionInfo[] {
    const all = [...this.versions.values()];
    const counts = new Map<string, number>();
    for (const v of all) {
      counts.set(v.view.label, (counts.get(v.view.label) ?? 0) + 1);
    }
    for (const v of all) {
      if ((counts.get(v.view.label) ?? 0) > 1) {
        v.view.label = v.view.key;
      }
    }
    return all;
  }

  private build(
    key: string,
    short: string,
    host: string,
    fqdn: string,
    subset: string | undefined,
  ): VersionInfo {
    const service = parseServiceFqdn(fqdn);
    let labels: Record<string, string> = {};
    let subsetDefined = true;
    if (subset) {
      const found = findSubset(this.index, fqdn, subset, [
        this.namespace,
        ...(service ? [service.namespace] : []),
      ]);
      subsetDefined = found !== undefined;
      labels = found?.labels ?? {};
    } else {
      labels = this.index.serviceByFqdn.get(fqdn)?.selector ?? {};
    }
    // An undefined subset has no pods: Istio answers 503 rather than fall
    // back to the whole Service, so no workloads are shown for it either.
    // A Service or subset pinned to one revision of a Rollout shows that
    // revision's pods, not the whole Rollout's.
    const selector = this.index.serviceByFqdn.get(fqdn)?.selector ?? {};
    const workloads = subsetDefined
      ? findWorkloads(this.index, fqdn, service?.namespace, labels).map(w =>
          narrowToRevision(this.index, w, labels, selector),
        )
      : [];
    const view: VersionView = {
      key,
      label: subset ?? short,
      host,
      fqdn,
      labels,
      workloads: workloads.map(toWorkloadView),
      ready: workloads.reduce((sum, w) => sum + w.replicas.ready, 0),
      desired: workloads.reduce((sum, w) => sum + w.replicas.desired, 0),
    };
    if (subset) {
      view.subset = subset;
    }
    return { view, subsetDefined, external: service === undefined };
  }
}
