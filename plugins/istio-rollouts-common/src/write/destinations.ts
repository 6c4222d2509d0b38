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

import { isRecord, JsonRecord } from '../kube/guards';
import { resolveHost, shortHostName } from '../kube/hosts';
import { isValidSubsetName } from '../kube/names';
import { DEFAULT_NAMESPACE } from '../kube/readMeta';
import { DestinationRef, RouteChangeRefusal } from './types';

// Destination references as callers write them, compared and labelled the
// way the rollout view does, so a message names `reviews/v2` exactly as the
// page showed it.

/** A refusal with its HTTP status. @internal */
export function refuse(
  status: RouteChangeRefusal['status'],
  message: string,
): RouteChangeRefusal {
  return { ok: false, status, message };
}

/**
 * The host as Istio resolves it in `namespace`; `name.namespace` of the
 * object's own namespace resolves too, so the forms people write compare equal.
 *
 * @internal
 */
export function normalizeHost(
  host: string,
  namespace: string = DEFAULT_NAMESPACE,
): string {
  return resolveHost(host, namespace, { namespaces: new Set([namespace]) });
}

/**
 * The label of a destination, as the view keys versions: `reviews/v2`,
 * `reviews-canary`, `reviews/v2 (port 9080)`.
 *
 * @internal
 */
export function destinationLabel(
  ref: DestinationRef,
  namespace: string = DEFAULT_NAMESPACE,
): string {
  const short = shortHostName(normalizeHost(ref.host, namespace), namespace);
  const base = ref.subset ? `${short}/${ref.subset}` : short;
  return ref.port !== undefined ? `${base} (port ${ref.port})` : base;
}

/**
 * Whether `ref` names `destination`: same host as Istio resolves it in
 * `namespace` (the VirtualService's), same subset (both absent counts as
 * same), and the same port when `ref` gives one.
 *
 * @public
 */
export function refersTo(
  ref: DestinationRef,
  destination: DestinationRef,
  namespace: string = DEFAULT_NAMESPACE,
): boolean {
  return (
    normalizeHost(ref.host, namespace) ===
      normalizeHost(destination.host, namespace) &&
    (ref.subset ?? '') === (destination.subset ?? '') &&
    (ref.port === undefined || ref.port === destination.port)
  );
}

/**
 * Whether two references name the same version: the same host as Istio
 * resolves it in `namespace` (the route's) and the same subset. The port
 * does not make another version.
 *
 * @public
 */
export function sameVersion(
  a: DestinationRef,
  b: DestinationRef,
  namespace: string = DEFAULT_NAMESPACE,
): boolean {
  return refersTo({ ...a, port: undefined }, b, namespace);
}

/**
 * Checks a reference that arrived as unknown JSON; `what` names it in the
 * message (e.g. `canary`).
 *
 * @internal
 */
export function readDestinationRef(
  value: unknown,
  what: string,
): { ok: true; ref: DestinationRef } | RouteChangeRefusal {
  if (!isRecord(value)) {
    return refuse(400, `${what} must be an object with a host`);
  }
  const { host, subset, port } = value;
  if (typeof host !== 'string' || !/^[^\s/]{1,253}$/.test(host)) {
    return refuse(
      400,
      `${what}: host ${JSON.stringify(host ?? null)} is not a host name`,
    );
  }
  const ref: DestinationRef = { host };
  if (subset !== undefined && subset !== null && subset !== '') {
    if (typeof subset !== 'string' || !isValidSubsetName(subset)) {
      return refuse(
        400,
        `${what}: subset ${JSON.stringify(
          subset,
        )} is not a valid subset name (lowercase letters, digits and '-')`,
      );
    }
    ref.subset = subset;
  }
  if (port !== undefined && port !== null) {
    if (
      typeof port !== 'number' ||
      !Number.isInteger(port) ||
      port < 1 ||
      port > 65535
    ) {
      return refuse(
        400,
        `${what}: port ${JSON.stringify(port)} is not a port number`,
      );
    }
    ref.port = port;
  }
  return { ok: true, ref };
}

/**
 * Why traffic may not move to `ref` given the subsets DestinationRules
 * define, or undefined when it may (or when no subset is named).
 *
 * @internal
 */
export function subsetProblem(
  ref: DestinationRef,
  knownSubsets: Record<string, string[]> | undefined,
  namespace: string,
): string | undefined {
  if (!knownSubsets || !ref.subset) {
    return undefined;
  }
  const fqdn = normalizeHost(ref.host, namespace);
  const known = Object.entries(knownSubsets)
    .filter(([host]) => normalizeHost(host, namespace) === fqdn)
    .flatMap(([, subsets]) => (Array.isArray(subsets) ? subsets : []));
  const label = destinationLabel(ref, namespace);
  if (known.length === 0) {
    return `subset ${ref.subset} of ${label} is not defined: no DestinationRule defines subsets for host ${ref.host}`;
  }
  return known.includes(ref.subset)
    ? undefined
    : `subset ${
        ref.subset
      } of ${label} is not defined in any DestinationRule (defined: ${[
        ...new Set(known),
      ].join(', ')})`;
}

/**
 * The Istio `Destination` object for a reference.
 *
 * @internal
 */
export function toIstioDestination(ref: DestinationRef): JsonRecord {
  const destination: JsonRecord = { host: ref.host };
  if (ref.subset) destination.subset = ref.subset;
  if (ref.port !== undefined) destination.port = { number: ref.port };
  return destination;
}
