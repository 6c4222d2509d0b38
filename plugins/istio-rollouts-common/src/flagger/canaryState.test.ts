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
import { describeIfShared, dir, parsed } from '../__testUtils__/realFixtures';
import { readFlaggerCanaryState, servedByPlugin } from './canaryState';

// A live Canary as Flagger v1.36 leaves it mid-analysis, after the
// istio-canary.yaml sample, with gate webhooks: two served by the plugin,
// one by Flagger's load tester (its /gate/check endpoint).
function liveCanary(phase: string, extra: Record<string, unknown> = {}) {
  return {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: {
      name: 'podinfo',
      namespace: 'test',
      uid: '5f0e1c2d-podinfo',
      resourceVersion: '73105',
      generation: 3,
    },
    spec: {
      provider: 'istio',
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
      service: { name: 'podinfo', port: 80, targetPort: 9898 },
      analysis: {
        interval: '15s',
        threshold: 5,
        maxWeight: 50,
        stepWeight: 10,
        metrics: [],
        webhooks: [
          {
            name: 'ask-the-owners',
            type: 'confirm-rollout',
            url: 'http://backstage.backstage:7007/api/istio-rollouts/flagger/local/confirm-rollout?token=Zk9xd2VyVHlVaW9wQXNkZmdoams',
          },
          {
            name: 'conformance-test',
            type: 'pre-rollout',
            url: 'http://flagger-loadtester.test/',
            metadata: {
              type: 'bash',
              cmd: 'curl -s http://podinfo-canary.test/',
            },
          },
          {
            name: 'each-step',
            type: 'confirm-traffic-increase',
            url: 'http://backstage.backstage:7007/api/istio-rollouts/flagger/local/confirm-traffic-increase?token=Zk9xd2VyVHlVaW9wQXNkZmdoams',
          },
          {
            name: 'gate',
            type: 'confirm-promotion',
            url: 'http://flagger-loadtester.test/gate/check',
          },
          {
            name: 'roll-back',
            type: 'rollback',
            url: 'http://backstage.backstage:7007/api/istio-rollouts/flagger/local/rollback?token=Zk9xd2VyVHlVaW9wQXNkZmdoams',
          },
          { name: 'notify', type: 'event', url: 'http://event-recorder.test/' },
        ],
      },
    },
    status: {
      phase,
      canaryWeight: 20,
      failedChecks: 1,
      iterations: 0,
      lastAppliedSpec: '5d8f9c7b6',
      lastPromotedSpec: '84b6f7d9c',
      lastTransitionTime: '2026-03-04T09:16:10Z',
      trackedConfigs: {},
      conditions: [
        {
          lastTransitionTime: '2026-03-04T09:15:40Z',
          lastUpdateTime: '2026-03-04T09:16:10Z',
          message: 'New revision detected, progressing canary analysis.',
          reason: 'Progressing',
          status: 'Unknown',
          type: 'Promoted',
        },
      ],
      ...extra,
    },
  };
}

describe('readFlaggerCanaryState', () => {
  it('reads a progressing Canary and its gates, all closed', () => {
    expect(readFlaggerCanaryState(liveCanary('Progressing'))).toEqual({
      resourceVersion: '73105',
      phase: 'Progressing',
      canaryWeight: 20,
      iterations: 0,
      failedChecks: 1,
      threshold: 5,
      message: 'New revision detected, progressing canary analysis.',
      lastTransitionTime: '2026-03-04T09:16:10Z',
      gates: [
        {
          gate: 'confirm-rollout',
          name: 'ask-the-owners',
          servedByPlugin: true,
          open: false,
        },
        {
          gate: 'confirm-traffic-increase',
          name: 'each-step',
          servedByPlugin: true,
          open: false,
        },
        {
          gate: 'confirm-promotion',
          name: 'gate',
          servedByPlugin: false,
          open: false,
        },
        {
          gate: 'rollback',
          name: 'roll-back',
          servedByPlugin: true,
          open: false,
        },
      ],
    });
  });

  it.each([
    ['Waiting', 'confirm-rollout'],
    ['WaitingPromotion', 'confirm-promotion'],
    ['Progressing', undefined],
    ['Succeeded', undefined],
    ['Failed', undefined],
    ['constructor', undefined],
  ])('phase %s: waiting at %s', (phase, gate) => {
    expect(readFlaggerCanaryState(liveCanary(phase)).waitingAt).toBe(gate);
  });

  it('leaves out what the Canary does not say', () => {
    const canary: any = liveCanary('Initialized');
    delete canary.status.conditions;
    delete canary.status.lastTransitionTime;
    canary.status.canaryWeight = 'a lot';
    delete canary.spec.analysis.threshold;
    const state = readFlaggerCanaryState(canary);
    expect(state).not.toHaveProperty('message');
    expect(state).not.toHaveProperty('lastTransitionTime');
    expect(state).not.toHaveProperty('canaryWeight');
    expect(state).not.toHaveProperty('threshold');
    expect(state).not.toHaveProperty('waitingAt');
  });

  it('skips webhooks without a name or of an unknown type', () => {
    const canary: any = liveCanary('Progressing');
    canary.spec.analysis.webhooks = [
      { type: 'confirm-rollout', url: 'http://x/api/istio-rollouts/flagger/' },
      { name: 'typo', type: 'confirm-rollouts', url: 'http://x/' },
      { name: 'ok', type: 'rollback' },
      'not a webhook',
    ];
    expect(readFlaggerCanaryState(canary).gates).toEqual([
      { gate: 'rollback', name: 'ok', servedByPlugin: false, open: false },
    ]);
  });

  it('never throws on odd input', () => {
    for (const odd of [undefined, null, 7, 'Canary', [], {}, { spec: [] }]) {
      expect(readFlaggerCanaryState(odd)).toEqual({
        resourceVersion: '',
        gates: [],
      });
    }
  });
});

describe('servedByPlugin', () => {
  it.each([
    ['http://backstage:7007/api/istio-rollouts/flagger/local/rollback', true],
    [
      'https://backstage.example.com/api/istio-rollouts/flagger/prod/confirm-rollout?token=abc',
      true,
    ],
    ['http://flagger-loadtester.test/gate/check', false],
    // Only the path counts, not a query that mentions it.
    ['http://evil.test/?next=/api/istio-rollouts/flagger/local/x', false],
    ['/api/istio-rollouts/flagger/local/rollback', false],
    ['not a url', false],
    [undefined, false],
  ])('%s: %s', (url, served) => {
    expect(servedByPlugin(url)).toBe(served);
  });
});

describeIfShared('readFlaggerCanaryState on the real Flagger samples', () => {
  it.each(['istio-canary.yaml', 'istio-abtest.yaml'])(
    '%s: its threshold, and no gate (a pre-rollout test and a load test)',
    file => {
      const [canary] = (
        parsed.get(path.join(dir, 'flagger', file)) ?? []
      ).filter((o: any) => o?.kind === 'Canary');
      expect(canary).toBeDefined();
      expect(readFlaggerCanaryState(canary)).toEqual({
        resourceVersion: '',
        threshold: 10,
        gates: [],
      });
    },
  );
});
