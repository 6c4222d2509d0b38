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

import { asNumber, asRecord, asString, asStringMap, dig } from './guards';

/**
 * Metadata every object is reduced to.
 *
 * @internal
 */
export interface ObjectMetaModel {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  resourceVersion: string;
  generation?: number;
  /** Field managers from `metadata.managedFields`, e.g. `argocd-controller`. */
  managers: string[];
}

/**
 * The namespace of an object that does not say: what `kubectl apply` without
 * `-n` uses, and what the sample manifests assume.
 *
 * @public
 */
export const DEFAULT_NAMESPACE = 'default';

/**
 * Reads metadata; undefined when the object has no name, because nothing
 * can be shown or referenced without one.
 *
 * @internal
 */
export function readMeta(raw: unknown): ObjectMetaModel | undefined {
  const meta = asRecord(dig(raw, 'metadata'));
  const name = asString(meta.name);
  if (!name) {
    return undefined;
  }
  const managers: string[] = [];
  for (const entry of Array.isArray(meta.managedFields)
    ? meta.managedFields
    : []) {
    const manager = asString(dig(entry, 'manager'));
    if (manager && !managers.includes(manager)) {
      managers.push(manager);
    }
  }
  return {
    name,
    namespace: asString(meta.namespace) ?? DEFAULT_NAMESPACE,
    labels: asStringMap(meta.labels),
    annotations: asStringMap(meta.annotations),
    resourceVersion: asString(meta.resourceVersion) ?? '',
    generation: asNumber(meta.generation),
    managers,
  };
}
