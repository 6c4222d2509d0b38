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
  asArray,
  asNumber,
  asRecord,
  asString,
  asStringList,
  dig,
  isRecord,
} from '../kube/guards';
import { ObjectMetaModel, readMeta } from '../kube/readMeta';

// HTTPRoutes reduced to what the domain needs. Like the Istio readers, never
// throws: what cannot be read is dropped and described in `problems`.

/**
 * A reference to a backend (a backendRef, or a mirror's), defaults applied:
 * group '' and kind Service, the route's namespace.
 *
 * @internal
 */
export interface BackendModel {
  group: string;
  kind: string;
  namespace: string;
  name: string;
  port?: number;
}

/**
 * A weighted backendRef of a rule.
 *
 * @internal
 */
export interface WeightedBackendModel extends BackendModel {
  /** Gateway API weights are proportions; 1 when absent. */
  weight: number;
  /** Set when `weight` is present but not a whole number from 0 to 1,000,000. */
  invalidWeight?: string;
  /** Descriptions of the backendRef's own filters. */
  filters: string[];
}

/**
 * A RequestMirror filter.
 *
 * @internal
 */
export interface MirrorBackendModel extends BackendModel {
  /** Percent of requests copied: `percent`, or `fraction`, else 100. */
  percentage: number;
}

/** @internal */
export interface HttpRouteRuleModel {
  index: number;
  name?: string;
  /** The rule's matches as written; empty means every request. */
  matches: unknown[];
  backends: WeightedBackendModel[];
  mirrors: MirrorBackendModel[];
  /** A RequestRedirect filter answers the requests itself. */
  redirect: boolean;
  /** Descriptions of the rule's other filters, e.g. `sets request header x-env: canary`. */
  filters: string[];
}

/** @internal */
export interface GatewayHttpRouteModel {
  meta: ObjectMetaModel;
  apiVersion: string;
  /** Creation time, for Gateway API's tie-break between routes. */
  createdAt?: string;
  parents: Array<BackendModel & { sectionName?: string }>;
  hostnames: string[];
  rules: HttpRouteRuleModel[];
  problems: string[];
}

/** Gateway API's own limit on a backendRef weight. */
const MAX_WEIGHT = 1_000_000;

/**
 * Reads a reference; the kind defaults to Service (group ''), as Gateway
 * API defaults a backendRef. Undefined without a name.
 *
 * @internal
 */
export function readBackend(
  raw: unknown,
  namespace: string,
  defaults: { group: string; kind: string } = { group: '', kind: 'Service' },
): BackendModel | undefined {
  const name = asString(dig(raw, 'name'));
  if (!name) return undefined;
  // `group: ""` is the core group, which asString would drop as empty.
  const written = dig(raw, 'group');
  let group = typeof written === 'string' ? written : undefined;
  // `core` is how some people write the core group.
  if (group === 'core') group = '';
  return {
    group: group ?? defaults.group,
    kind: asString(dig(raw, 'kind')) ?? defaults.kind,
    namespace: asString(dig(raw, 'namespace')) ?? namespace,
    name,
    port: asNumber(dig(raw, 'port')),
  };
}

function describeHeaderFilter(raw: unknown, what: string): string[] {
  const out: string[] = [];
  for (const verb of ['set', 'add'] as const) {
    for (const h of asArray(dig(raw, verb))) {
      const name = asString(dig(h, 'name'));
      if (name) {
        out.push(
          `${verb === 'set' ? 'sets' : 'adds'} ${what} header ${name}: ${
            asString(dig(h, 'value')) ?? ''
          }`,
        );
      }
    }
  }
  const removed = asStringList(dig(raw, 'remove'));
  if (removed.length) out.push(`removes ${what} header ${removed.join(', ')}`);
  return out;
}

function mirrorPercentage(filter: unknown): number {
  const percent = asNumber(dig(filter, 'percent'));
  if (percent !== undefined) return percent;
  const numerator = asNumber(dig(filter, 'fraction', 'numerator'));
  if (numerator === undefined) return 100;
  const denominator = asNumber(dig(filter, 'fraction', 'denominator')) ?? 100;
  return denominator > 0
    ? Math.round((numerator / denominator) * 10000) / 100
    : 0;
}

// Filters of a rule or of a backendRef: mirrors are read, redirects noted,
// everything else described for an info line.
function readFilters(
  raw: unknown,
  namespace: string,
): { mirrors: MirrorBackendModel[]; redirect: boolean; notes: string[] } {
  const mirrors: MirrorBackendModel[] = [];
  const notes: string[] = [];
  let redirect = false;
  for (const filter of asArray(raw)) {
    const type = asString(dig(filter, 'type')) ?? '';
    if (type === 'RequestMirror') {
      const mirror = dig(filter, 'requestMirror');
      const backend = readBackend(dig(mirror, 'backendRef'), namespace);
      if (backend) {
        mirrors.push({ ...backend, percentage: mirrorPercentage(mirror) });
      }
    } else if (type === 'RequestHeaderModifier') {
      notes.push(
        ...describeHeaderFilter(
          dig(filter, 'requestHeaderModifier'),
          'request',
        ),
      );
    } else if (type === 'ResponseHeaderModifier') {
      notes.push(
        ...describeHeaderFilter(
          dig(filter, 'responseHeaderModifier'),
          'response',
        ),
      );
    } else if (type === 'RequestRedirect') {
      redirect = true;
      notes.push('answers with a redirect');
    } else if (type === 'URLRewrite') {
      notes.push('rewrites the URL');
    } else if (type) {
      notes.push(`applies filter ${type}`);
    }
  }
  return { mirrors, redirect, notes };
}

function readWeight(raw: unknown): { weight: number; invalid?: string } {
  if (raw === undefined || raw === null) return { weight: 1 };
  const weight = asNumber(raw);
  if (
    weight === undefined ||
    !Number.isInteger(weight) ||
    weight < 0 ||
    weight > MAX_WEIGHT
  ) {
    // An invalid weight makes the API server refuse the object; a bag from
    // a file may still hold one. Count it as 0: it cannot be applied.
    return { weight: 0, invalid: String(raw) };
  }
  return { weight };
}

function readRule(
  raw: unknown,
  index: number,
  namespace: string,
  problems: string[],
): HttpRouteRuleModel {
  const rule = asRecord(raw);
  const path = `spec.rules[${index}]`;
  if (rule.backendRefs !== undefined && !Array.isArray(rule.backendRefs)) {
    problems.push(`${path}.backendRefs is not a list`);
  }
  const backends: WeightedBackendModel[] = [];
  asArray(rule.backendRefs).forEach((item, i) => {
    const backend = readBackend(item, namespace);
    if (!backend) {
      problems.push(`${path}.backendRefs[${i}] has no name`);
      return;
    }
    const { weight, invalid } = readWeight(dig(item, 'weight'));
    const own = readFilters(dig(item, 'filters'), namespace);
    backends.push({
      ...backend,
      weight,
      invalidWeight: invalid,
      filters: [
        ...own.notes,
        ...own.mirrors.map(m => `mirrors ${m.percentage}% to ${m.name}`),
      ],
    });
  });
  const filters = readFilters(rule.filters, namespace);
  return {
    index,
    name: asString(rule.name),
    matches: asArray(rule.matches),
    backends,
    mirrors: filters.mirrors,
    redirect: filters.redirect,
    filters: filters.notes,
  };
}

/**
 * Reads an HTTPRoute; undefined when it has no name.
 *
 * @internal
 */
export function readHttpRoute(raw: unknown): GatewayHttpRouteModel | undefined {
  const meta = readMeta(raw);
  if (!meta) return undefined;
  const problems: string[] = [];
  const spec = asRecord(dig(raw, 'spec'));
  if (spec.rules !== undefined && !Array.isArray(spec.rules)) {
    problems.push('spec.rules is not a list');
  }
  const parents: GatewayHttpRouteModel['parents'] = [];
  for (const item of asArray(spec.parentRefs)) {
    const parent = readBackend(item, meta.namespace, {
      group: 'gateway.networking.k8s.io',
      kind: 'Gateway',
    });
    if (parent) {
      parents.push({
        ...parent,
        sectionName: asString(dig(item, 'sectionName')),
      });
    }
  }
  return {
    meta,
    apiVersion:
      asString(dig(raw, 'apiVersion')) ?? 'gateway.networking.k8s.io/v1',
    createdAt: asString(dig(raw, 'metadata', 'creationTimestamp')),
    parents,
    hostnames: asStringList(spec.hostnames),
    rules: asArray(spec.rules).map((item, i) =>
      readRule(isRecord(item) ? item : {}, i, meta.namespace, problems),
    ),
    problems,
  };
}

/**
 * Whether a reference names a core Service.
 *
 * @internal
 */
export function isServiceRef(ref: BackendModel): boolean {
  return ref.group === '' && ref.kind === 'Service';
}

/**
 * Every HTTPRoute of a bag, read; the first of two same-named ones wins.
 *
 * @internal
 */
export function readHttpRoutes(objects: unknown): GatewayHttpRouteModel[] {
  const seen = new Set<string>();
  const out: GatewayHttpRouteModel[] = [];
  for (const raw of asArray(dig(objects, 'httpRoutes'))) {
    const route = readHttpRoute(raw);
    const key = route && `${route.meta.namespace}/${route.meta.name}`;
    if (route && key && !seen.has(key)) {
      seen.add(key);
      out.push(route);
    }
  }
  return out;
}
