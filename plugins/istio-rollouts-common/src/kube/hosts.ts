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

// Host names as Istio resolves them. Istio itself expands only dot-less short
// names (`reviews` in namespace `ns` → `reviews.ns.svc.cluster.local`) and
// keeps anything with a dot as written. People also write `reviews.ns` and
// `reviews.ns.svc`, which the pod's DNS search path resolves, so those are
// expanded too: `.svc` always, `name.ns` only when `ns` is a namespace we
// know of, because `example.com` has the same shape.

/**
 * The Kubernetes cluster DNS domain assumed for Service hosts.
 *
 * @public
 */
export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';

/**
 * Options for {@link resolveHost}.
 *
 * @public
 */
export interface ResolveHostOptions {
  /** Namespaces that exist; lets `name.ns` resolve to a Service. */
  namespaces?: ReadonlySet<string>;
  clusterDomain?: string;
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/**
 * Resolves a host written in an object of `namespace` to the name Istio
 * matches on: short names become `name.namespace.svc.cluster.local`;
 * fully qualified names, wildcards, IP addresses and external hosts are kept.
 *
 * @public
 */
export function resolveHost(
  host: string,
  namespace: string,
  options: ResolveHostOptions = {},
): string {
  const domain = options.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN;
  const name = host.trim().toLowerCase().replace(/\.$/, '');
  if (!name || name.includes('*') || IPV4.test(name) || name.includes(':')) {
    return name;
  }
  const labels = name.split('.');
  if (labels.length === 1) {
    return `${name}.${namespace}.svc.${domain}`;
  }
  if (labels.length === 3 && labels[2] === 'svc') {
    return `${name}.${domain}`;
  }
  if (labels.length === 2 && options.namespaces?.has(labels[1])) {
    return `${name}.svc.${domain}`;
  }
  return name;
}

/**
 * The fully qualified name of a Kubernetes Service.
 *
 * @public
 */
export function serviceFqdn(
  name: string,
  namespace: string,
  clusterDomain: string = DEFAULT_CLUSTER_DOMAIN,
): string {
  return `${name}.${namespace}.svc.${clusterDomain}`;
}

/**
 * The Service a resolved host names, if it is a cluster Service host.
 *
 * @public
 */
export function parseServiceFqdn(
  fqdn: string,
  clusterDomain: string = DEFAULT_CLUSTER_DOMAIN,
): { name: string; namespace: string } | undefined {
  const suffix = `.svc.${clusterDomain}`;
  if (!fqdn.endsWith(suffix) || fqdn.includes('*')) {
    return undefined;
  }
  const labels = fqdn.slice(0, -suffix.length).split('.');
  return labels.length === 2 && labels[0] && labels[1]
    ? { name: labels[0], namespace: labels[1] }
    : undefined;
}

/**
 * A short name for display and version keys: the Service name when the host
 * is a Service of `namespace`, `name.ns` for a Service of another namespace,
 * else the host itself.
 *
 * @public
 */
export function shortHostName(fqdn: string, namespace: string): string {
  const service = parseServiceFqdn(fqdn);
  if (!service) {
    return fqdn;
  }
  return service.namespace === namespace
    ? service.name
    : `${service.name}.${service.namespace}`;
}

/**
 * Whether a resolved host pattern (possibly a wildcard such as `*` or
 * `*.ns.svc.cluster.local`) covers a resolved host.
 *
 * @public
 */
export function hostMatches(pattern: string, fqdn: string): boolean {
  if (pattern === '*') {
    return true;
  }
  if (pattern.startsWith('*')) {
    return fqdn.endsWith(pattern.slice(1));
  }
  return pattern === fqdn;
}
