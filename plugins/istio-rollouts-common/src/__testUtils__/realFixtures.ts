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
import path from 'path';
import { VirtualServiceView } from '../types';
import { ClusterObjects, KubeObject } from '../kube/types';
import { buildVirtualServiceViews } from '../domain/buildRolloutView';
import { loadYaml, toClusterObjects } from './loadYaml';

// Test-only access to the public samples in ../shared/fixtures/real (see
// SOURCES.md there). An adopter's clone has no ../shared; the project's own
// fixtures cover what must always be tested, so these tests skip there.

/** The fixtures folder: src/__testUtils__ → src → plugin → plugins → repo root, then ../shared. */
export const dir = path.resolve(
  __dirname,
  '../../../../../shared/fixtures/real',
);
const hasShared = fs.existsSync(dir);

/** `describe` when the fixtures exist, else `describe.skip`, saying why. */
export const describeIfShared = hasShared ? describe : describe.skip;
if (!hasShared) {
  // eslint-disable-next-line no-console
  console.log(
    `Skipping the real-fixture tests: ${dir} does not exist (a clone without ../shared).`,
  );
}

function yamlFiles(root: string): string[] {
  return fs
    .readdirSync(root, { withFileTypes: true })
    .flatMap(entry => {
      const full = path.join(root, entry.name);
      if (entry.isDirectory()) return yamlFiles(full);
      return /\.ya?ml$/.test(entry.name) ? [full] : [];
    })
    .sort();
}

/** Every YAML file under the fixtures folder. */
export const files = hasShared ? yamlFiles(dir) : [];

/** Files that only a lenient parser reads (see loadYaml), by relative path. */
export const lenientFiles: string[] = [];

/** The objects of each file. */
export const parsed = new Map<string, unknown[]>(
  files.map(f => {
    try {
      return [f, loadYaml(f)];
    } catch {
      lenientFiles.push(path.relative(dir, f));
      return [f, loadYaml(f, { lenient: true })];
    }
  }),
);

export function withFolder(file: string): ClusterObjects {
  const others = files
    .filter(f => f !== file && path.dirname(f) === path.dirname(file))
    .flatMap(f => parsed.get(f) ?? [])
    .filter(o => (o as KubeObject | null)?.kind !== 'VirtualService');
  // The file's own objects come first, so they win over same-named ones.
  return toClusterObjects([...(parsed.get(file) ?? []), ...others]);
}

export function views(relative: string): VirtualServiceView[] {
  return buildVirtualServiceViews(withFolder(path.join(dir, relative)));
}

/** strategy, then `key=weight` per destination, for each route. */
export function routes(view: VirtualServiceView): string[] {
  return view.routes.map(
    r =>
      `${r.strategy} ${r.destinations
        .map(d => `${d.versionKey}=${d.weight}`)
        .join(' ')}`,
  );
}

export function byName(
  list: VirtualServiceView[],
  name: string,
): VirtualServiceView {
  const found = list.find(v => v.name === name);
  if (!found) throw new Error(`no VirtualService ${name}`);
  return found;
}
