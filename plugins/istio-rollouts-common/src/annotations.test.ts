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

import { Entity } from '@backstage/catalog-model';
import {
  isIstioRolloutsAvailable,
  parseCanarySteps,
  readRolloutAnnotations,
} from './annotations';

function entity(annotations: Record<string, string>): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'reviews', annotations },
    spec: { type: 'service', owner: 'team-a', lifecycle: 'production' },
  };
}

describe('isIstioRolloutsAvailable', () => {
  it.each([
    [{ 'istio-rollouts/virtual-services': 'reviews' }, true],
    [{ 'backstage.io/kubernetes-id': 'reviews' }, true],
    [{ 'backstage.io/kubernetes-label-selector': 'app=reviews' }, true],
    [{ 'istio-rollouts/virtual-services': '   ' }, false],
    [{ 'backstage.io/techdocs-ref': 'dir:.' }, false],
    [{}, false],
  ])('%j -> %s', (annotations, expected) => {
    expect(isIstioRolloutsAvailable(entity(annotations))).toBe(expected);
  });
});

describe('readRolloutAnnotations', () => {
  it('reads names, namespaces, route, steps and the Kubernetes annotations', () => {
    const read = readRolloutAnnotations(
      entity({
        'istio-rollouts/virtual-services':
          'reviews, bookinfo/reviews-canary,reviews',
        'istio-rollouts/route': 'primary',
        'istio-rollouts/canary-steps': '5,20,100',
        'backstage.io/kubernetes-id': 'reviews',
        'backstage.io/kubernetes-namespace': 'bookinfo',
        'backstage.io/kubernetes-cluster': 'local',
      }),
    );
    expect(read).toEqual({
      virtualServices: [
        // Unqualified: the entity's Kubernetes namespace, never every namespace.
        { namespace: 'bookinfo', name: 'reviews' },
        { namespace: 'bookinfo', name: 'reviews-canary' },
      ],
      route: 'primary',
      canarySteps: [5, 20, 100],
      kubernetesId: 'reviews',
      namespace: 'bookinfo',
      labelSelector: undefined,
      cluster: 'local',
      problems: [],
    });
  });

  it('defaults the steps and reports bad values without dropping good ones', () => {
    const read = readRolloutAnnotations(
      entity({
        'istio-rollouts/virtual-services': 'reviews,a/b/c,Bad_Name,NS!/x',
        'istio-rollouts/canary-steps': '10,50',
        'backstage.io/kubernetes-namespace': 'not/a/namespace',
      }),
    );
    // No Kubernetes namespace: the entity's own catalog namespace.
    expect(read.virtualServices).toEqual([
      { namespace: 'default', name: 'reviews' },
    ]);
    expect(read.canarySteps).toEqual([10, 25, 50, 100]);
    expect(read.namespace).toBeUndefined();
    expect(read.problems).toEqual([
      "istio-rollouts/virtual-services: 'a/b/c' is not a VirtualService name or namespace/name",
      "istio-rollouts/virtual-services: 'Bad_Name' is not a VirtualService name or namespace/name",
      "istio-rollouts/virtual-services: 'NS!' in 'NS!/x' is not a valid namespace",
      'istio-rollouts/canary-steps: the last step must be 100; using 10, 25, 50, 100',
      "backstage.io/kubernetes-namespace: 'not/a/namespace' is not a valid namespace",
    ]);
  });
});

describe('parseCanarySteps', () => {
  it.each([
    ['10,25,50,100', { steps: [10, 25, 50, 100] }],
    [' 1 , 100 ', { steps: [1, 100] }],
    ['100', { steps: [100] }],
    ['10,10,100', { error: 'steps must increase, but 10 follows 10' }],
    ['50,25,100', { error: 'steps must increase, but 25 follows 50' }],
    ['0,100', { error: 'step 0 is outside 1..100' }],
    ['10,101', { error: 'step 101 is outside 1..100' }],
    ['10,2.5,100', { error: "'2.5' is not a whole percentage" }],
    ['10,,100', { error: "'' is not a whole percentage" }],
    ['10,50', { error: 'the last step must be 100' }],
  ])('%s', (raw, expected) => {
    expect(parseCanarySteps(raw)).toEqual(expected);
  });
});
