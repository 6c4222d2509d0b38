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

import fs from 'fs';
import { parseAllDocuments } from 'yaml';
import { ClusterObjects } from '../kube/types';

// Test-only: the package itself reads no files and has no YAML dependency.

/**
 * Parses a multi-document YAML text into objects. Tolerates what real files
 * contain: a trailing `---`, empty documents, a `...` end marker, comments
 * only, and `kind: List` wrappers (flattened into their items).
 *
 * `lenient` keeps documents with YAML 1.2 errors that other parsers accept
 * (Flagger's crd.yaml continues single-quoted scalars at the key's indent,
 * which PyYAML and Kubernetes read but `yaml` rejects).
 */
export function parseYamlObjects(
  text: string,
  options: { lenient?: boolean } = {},
): unknown[] {
  const objects: unknown[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length && !options.lenient) {
      throw new Error(`YAML error: ${doc.errors[0].message}`);
    }
    const value = doc.toJS();
    if (value === null || value === undefined) {
      continue;
    }
    if (
      typeof value === 'object' &&
      !Array.isArray(value) &&
      value.kind === 'List' &&
      Array.isArray(value.items)
    ) {
      objects.push(...value.items);
    } else {
      objects.push(value);
    }
  }
  return objects;
}

/** Reads and parses a YAML file. */
export function loadYaml(
  file: string,
  options: { lenient?: boolean } = {},
): unknown[] {
  return parseYamlObjects(fs.readFileSync(file, 'utf8'), options);
}

const KINDS: Record<string, keyof ClusterObjects> = {
  VirtualService: 'virtualServices',
  DestinationRule: 'destinationRules',
  Deployment: 'deployments',
  Service: 'services',
  Rollout: 'rollouts',
  Canary: 'canaries',
};

/** An empty bag. */
export function emptyObjects(): ClusterObjects {
  return {
    virtualServices: [],
    destinationRules: [],
    deployments: [],
    services: [],
    rollouts: [],
    canaries: [],
  };
}

/** Sorts parsed objects into a bag by kind; other kinds are dropped. */
export function toClusterObjects(objects: unknown[]): ClusterObjects {
  const bag = emptyObjects();
  for (const object of objects) {
    const kind = (object as { kind?: unknown } | null)?.kind;
    const field = typeof kind === 'string' ? KINDS[kind] : undefined;
    if (field) {
      (bag[field] as unknown[]).push(object);
    }
  }
  return bag;
}
