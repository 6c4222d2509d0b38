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
  asStringMap,
  dig,
  isRecord,
} from './guards';
import { ObjectMetaModel, readMeta } from './readMeta';

// VirtualServices and DestinationRules reduced to what the domain needs.
// Readers never throw: what cannot be read is dropped and described in
// `problems`, so one odd field does not hide the rest of the object.

/**
 * A destination of a route as written.
 *
 * @internal
 */
export interface DestinationModel {
  host: string;
  subset?: string;
  port?: number;
  /** Undefined when the weight is absent. */
  weight?: number;
  /** Set when `weight` is present but not a number. */
  invalidWeight?: string;
}

/**
 * A mirror target of a route.
 *
 * @internal
 */
export interface MirrorModel {
  host: string;
  subset?: string;
  port?: number;
  percentage: number;
}

/** @internal */
export interface HttpRouteModel {
  index: number;
  name?: string;
  match: unknown[];
  destinations: DestinationModel[];
  mirrors: MirrorModel[];
  delegate?: { name: string; namespace: string };
  /** e.g. `abort (HTTP 500)`, when the route injects faults. */
  fault?: string;
  redirect: boolean;
  directResponse: boolean;
}

/** @internal */
export interface L4RouteModel {
  protocol: 'tcp' | 'tls';
  index: number;
  destinations: DestinationModel[];
}

/** @internal */
export interface VirtualServiceModel {
  meta: ObjectMetaModel;
  apiVersion: string;
  hosts: string[];
  gateways: string[];
  http: HttpRouteModel[];
  tcp: L4RouteModel[];
  tls: L4RouteModel[];
  /** Fields that could not be read, by path. */
  problems: string[];
}

/** @internal */
export interface DestinationRuleModel {
  meta: ObjectMetaModel;
  host: string;
  subsets: Array<{ name: string; labels: Record<string, string> }>;
}

function readDestination(raw: unknown): Omit<DestinationModel, 'weight'> {
  return {
    host: asString(dig(raw, 'host')) ?? '',
    subset: asString(dig(raw, 'subset')),
    port: asNumber(dig(raw, 'port', 'number')),
  };
}

function readRouteDestinations(
  raw: unknown,
  path: string,
  problems: string[],
): DestinationModel[] {
  const out: DestinationModel[] = [];
  if (raw !== undefined && !Array.isArray(raw)) {
    problems.push(`${path}.route is not a list`);
  }
  asArray(raw).forEach((item, i) => {
    const destination = readDestination(dig(item, 'destination'));
    if (!destination.host) {
      problems.push(`${path}.route[${i}].destination has no host`);
      return;
    }
    const rawWeight = dig(item, 'weight');
    const weight = asNumber(rawWeight);
    out.push({
      ...destination,
      weight,
      invalidWeight:
        rawWeight !== undefined && rawWeight !== null && weight === undefined
          ? String(rawWeight)
          : undefined,
    });
  });
  return out;
}

// `mirror` + `mirrorPercentage` (or the older `mirror_percent`), and the
// newer `mirrors` list. Istio mirrors 100% when no percentage is given.
function readMirrors(route: Record<string, unknown>): MirrorModel[] {
  const mirrors: MirrorModel[] = [];
  const single = readDestination(route.mirror);
  if (single.host) {
    const percentage =
      asNumber(dig(route.mirrorPercentage, 'value')) ??
      asNumber(route.mirror_percent) ??
      asNumber(route.mirrorPercent) ??
      100;
    mirrors.push({ ...single, percentage });
  }
  for (const item of asArray(route.mirrors)) {
    const destination = readDestination(dig(item, 'destination'));
    if (destination.host) {
      mirrors.push({
        ...destination,
        percentage: asNumber(dig(item, 'percentage', 'value')) ?? 100,
      });
    }
  }
  return mirrors;
}

function readFault(raw: unknown): string | undefined {
  if (!isRecord(raw)) {
    return undefined;
  }
  const parts: string[] = [];
  if (isRecord(raw.abort)) {
    const status = asNumber(raw.abort.httpStatus);
    parts.push(status ? `abort (HTTP ${status})` : 'abort');
  }
  if (isRecord(raw.delay)) {
    const delay = asString(raw.delay.fixedDelay);
    parts.push(delay ? `delay (${delay})` : 'delay');
  }
  return parts.length ? parts.join(' and ') : undefined;
}

function readHttpRoute(
  raw: unknown,
  index: number,
  namespace: string,
  problems: string[],
): HttpRouteModel {
  const route = asRecord(raw);
  const path = `spec.http[${index}]`;
  const delegateName = asString(dig(route.delegate, 'name'));
  return {
    index,
    name: asString(route.name),
    match: asArray(route.match),
    destinations: readRouteDestinations(route.route, path, problems),
    mirrors: readMirrors(route),
    delegate: delegateName
      ? {
          name: delegateName,
          namespace: asString(dig(route.delegate, 'namespace')) ?? namespace,
        }
      : undefined,
    fault: readFault(route.fault),
    redirect: isRecord(route.redirect),
    directResponse: isRecord(route.directResponse),
  };
}

function readList(
  spec: Record<string, unknown>,
  field: string,
  problems: string[],
): unknown[] {
  const value = spec[field];
  if (value !== undefined && value !== null && !Array.isArray(value)) {
    problems.push(`spec.${field} is not a list`);
  }
  return asArray(value);
}

/**
 * Reads a VirtualService; undefined when it has no name.
 *
 * @internal
 */
export function readVirtualService(
  raw: unknown,
): VirtualServiceModel | undefined {
  const meta = readMeta(raw);
  if (!meta) {
    return undefined;
  }
  const problems: string[] = [];
  const spec = asRecord(dig(raw, 'spec'));
  const l4 = (protocol: 'tcp' | 'tls'): L4RouteModel[] =>
    readList(spec, protocol, problems).map((item, index) => ({
      protocol,
      index,
      destinations: readRouteDestinations(
        dig(item, 'route'),
        `spec.${protocol}[${index}]`,
        problems,
      ),
    }));
  return {
    meta,
    apiVersion: asString(dig(raw, 'apiVersion')) ?? 'networking.istio.io/v1',
    hosts: asStringList(spec.hosts),
    gateways: asStringList(spec.gateways),
    http: readList(spec, 'http', problems).map((item, index) =>
      readHttpRoute(item, index, meta.namespace, problems),
    ),
    tcp: l4('tcp'),
    tls: l4('tls'),
    problems,
  };
}

/**
 * Reads a DestinationRule; undefined when it has no name or host.
 *
 * @internal
 */
export function readDestinationRule(
  raw: unknown,
): DestinationRuleModel | undefined {
  const meta = readMeta(raw);
  const host = asString(dig(raw, 'spec', 'host'));
  if (!meta || !host) {
    return undefined;
  }
  const subsets: DestinationRuleModel['subsets'] = [];
  for (const item of asArray(dig(raw, 'spec', 'subsets'))) {
    const name = asString(dig(item, 'name'));
    if (name) {
      subsets.push({ name, labels: asStringMap(dig(item, 'labels')) });
    }
  }
  return { meta, host, subsets };
}
