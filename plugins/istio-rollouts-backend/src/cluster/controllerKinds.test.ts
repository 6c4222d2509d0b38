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

import { mockServices } from '@backstage/backend-test-utils';
import {
  clusterConfig,
  createTestNamespace,
  kubectl,
} from '@internal/test-cluster';
import { KindInformer } from './KindInformer';
import { KubeApi } from './KubeApi';
import { WATCHED_KINDS } from './watchedKinds';

// The Argo Rollouts kinds the rollout view reads besides Rollouts, listed
// and watched by the plugin's own identity (test/cluster/manifests/
// clusterrole.yaml) on the real local kube-apiserver.

jest.setTimeout(60_000);

const kind = (key: string) => WATCHED_KINDS.find(k => k.key === key)!;

async function eventually(
  what: string,
  check: () => boolean,
  timeoutMs = 10_000,
) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 20));
  }
}

// Scaled to zero: no pod is wanted, whatever controllers the cluster runs.
function replicaSet(
  namespace: string,
  name: string,
  labels: Record<string, string>,
) {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name,
      namespace,
      labels,
      annotations: { 'rollout.argoproj.io/revision': '2' },
    },
    spec: {
      replicas: 0,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          containers: [{ name: 'app', image: 'registry.test/reviews:2' }],
        },
      },
    },
  });
}

const names = (informer: KindInformer, namespace: string) =>
  Array.from(informer.inNamespace(namespace))
    .map(o => o.metadata.name)
    .sort();

describe('the Argo Rollouts kinds of the watch cache', () => {
  const logger = mockServices.logger.mock();
  let informer: KindInformer | undefined;
  let api: KubeApi | undefined;

  afterEach(async () => {
    await informer?.stop();
    api?.close();
  });

  it('keeps only the ReplicaSets Argo Rollouts labels, slimmed, and follows their labels', async () => {
    const ns = await createTestNamespace('replicasets');
    await kubectl(['apply', '-f', '-'], {
      input: replicaSet(ns, 'reviews-6d4f8c7b9', {
        app: 'reviews',
        'rollouts-pod-template-hash': '6d4f8c7b9',
      }),
    });
    // A Deployment's ReplicaSet carries pod-template-hash, not Argo's label.
    await kubectl(['apply', '-f', '-'], {
      input: replicaSet(ns, 'ratings-7f6b5d4c8', {
        app: 'ratings',
        'pod-template-hash': '7f6b5d4c8',
      }),
    });
    api = new KubeApi({
      cluster: { ...clusterConfig('plugin'), skipTLSVerify: false },
    });
    informer = new KindInformer(kind('replicaSets'), api, logger, () => {});
    informer.start();
    await eventually('first list', () => informer!.isSynced);
    expect(informer.error).toBeUndefined();
    expect(names(informer, ns)).toEqual(['reviews-6d4f8c7b9']);
    const cached = informer.get(ns, 'reviews-6d4f8c7b9');
    expect(cached.metadata.annotations).toBeUndefined();
    expect(cached.metadata.labels).toEqual({
      app: 'reviews',
      'rollouts-pod-template-hash': '6d4f8c7b9',
    });
    expect(cached.spec).toEqual({
      replicas: 0,
      template: {
        metadata: {
          labels: { app: 'reviews', 'rollouts-pod-template-hash': '6d4f8c7b9' },
        },
        spec: {
          containers: [{ name: 'app', image: 'registry.test/reviews:2' }],
        },
      },
    });

    // The watch uses the same selector: a ReplicaSet that gains the label
    // comes in, one that loses it goes.
    await kubectl([
      '-n',
      ns,
      'label',
      'rs',
      'ratings-7f6b5d4c8',
      'rollouts-pod-template-hash=7f6b5d4c8',
    ]);
    await eventually(
      'the newly labelled ReplicaSet',
      () => names(informer!, ns).length === 2,
    );
    await kubectl([
      '-n',
      ns,
      'label',
      'rs',
      'reviews-6d4f8c7b9',
      'rollouts-pod-template-hash-',
    ]);
    await eventually(
      'the unlabelled ReplicaSet to go',
      () => names(informer!, ns).join() === 'ratings-7f6b5d4c8',
    );
  });

  it('lists AnalysisRuns with their phase and owner, without their spec', async () => {
    const ns = await createTestNamespace('analysisruns');
    await kubectl(['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'AnalysisRun',
        metadata: {
          name: 'reviews-6d4f8c7b9-2-1',
          namespace: ns,
          labels: { 'rollout-type': 'Step' },
          ownerReferences: [
            {
              apiVersion: 'argoproj.io/v1alpha1',
              kind: 'Rollout',
              name: 'reviews',
              uid: '0b4c2a6e-0000-4000-8000-000000000001',
              controller: true,
            },
          ],
        },
        spec: {
          metrics: [
            {
              name: 'success-rate',
              provider: { web: { url: 'http://127.0.0.1:9/rate' } },
            },
          ],
        },
        status: { phase: 'Failed', message: 'Metric "success-rate" failed' },
      }),
    });
    api = new KubeApi({
      cluster: { ...clusterConfig('plugin'), skipTLSVerify: false },
    });
    informer = new KindInformer(kind('analysisRuns'), api, logger, () => {});
    informer.start();
    await eventually('first list', () => informer!.isSynced);
    expect(informer.error).toBeUndefined();
    const run = informer.get(ns, 'reviews-6d4f8c7b9-2-1');
    expect(run).toMatchObject({
      kind: 'AnalysisRun',
      metadata: {
        labels: { 'rollout-type': 'Step' },
        ownerReferences: [
          {
            kind: 'Rollout',
            name: 'reviews',
            uid: '0b4c2a6e-0000-4000-8000-000000000001',
          },
        ],
      },
      status: { phase: 'Failed', message: 'Metric "success-rate" failed' },
    });
    expect(run.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(run.spec).toBeUndefined();
  });
});
