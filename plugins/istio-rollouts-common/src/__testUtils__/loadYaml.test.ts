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

import path from 'path';
import { loadYaml, parseYamlObjects, toClusterObjects } from './loadYaml';

describe('loadYaml', () => {
  it('reads Lists, empty documents, a trailing --- and an end marker', () => {
    const objects = loadYaml(
      path.resolve(__dirname, '../__fixtures__/checkout-canary.yaml'),
    );
    expect(objects.map(o => (o as { kind: string }).kind)).toEqual([
      'Service',
      'Service',
      'Deployment',
      'Deployment',
      'VirtualService',
    ]);
    const bag = toClusterObjects(objects);
    expect(bag.services).toHaveLength(2);
    expect(bag.virtualServices).toHaveLength(1);
  });

  it('skips comment-only and null documents, and reports broken YAML', () => {
    expect(parseYamlObjects('# nothing\n---\n---\n')).toEqual([]);
    expect(parseYamlObjects('a: 1\n...\n')).toEqual([{ a: 1 }]);
    expect(() => parseYamlObjects('a: [1')).toThrow(/YAML error/);
  });
});
