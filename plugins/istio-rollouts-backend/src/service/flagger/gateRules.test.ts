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
  analysisIntervalMs,
  canaryRevisionKey,
  canaryWebhooks,
  gateIsOpen,
  parseGoDuration,
  pluginWebhookTarget,
  recentCallWindowMs,
  webhookPath,
} from './gateRules';

describe('gate rules', () => {
  it('reads the webhooks of the analysis', () => {
    expect(
      canaryWebhooks({
        spec: {
          analysis: {
            webhooks: [
              { name: 'ask', type: 'confirm-promotion', url: 'http://x/y' },
              { name: 'load', url: 'http://loadtester/' },
              { type: 'rollback' },
              'junk',
            ],
          },
        },
      }),
    ).toEqual([{ name: 'ask', type: 'confirm-promotion', url: 'http://x/y' }]);
    expect(canaryWebhooks({ spec: {} })).toEqual([]);
    expect(canaryWebhooks(undefined)).toEqual([]);
  });

  it("knows the plugin's webhook by its path, whatever the host", () => {
    expect(webhookPath('local', 'confirm-promotion')).toBe(
      '/api/istio-rollouts/flagger/local/confirm-promotion',
    );
    expect(
      pluginWebhookTarget(
        'http://backstage.tools.svc:7007/api/istio-rollouts/flagger/local/confirm-promotion?token=abc',
        'local',
        'confirm-promotion',
      ),
    ).toEqual({ served: true, token: 'abc' });
    // The token as the URL's password, as webhookUrl() writes it.
    expect(
      pluginWebhookTarget(
        'http://flagger:abc@backstage.tools.svc:7007/api/istio-rollouts/flagger/local/confirm-promotion',
        'local',
        'confirm-promotion',
      ),
    ).toEqual({ served: true, token: 'abc' });
    expect(
      pluginWebhookTarget(
        'https://b.example.com/prefix/api/istio-rollouts/flagger/local/rollback',
        'local',
        'rollback',
      ),
    ).toEqual({ served: true });
    // Another cluster's, another gate's, or not the plugin's at all.
    expect(
      pluginWebhookTarget(
        'http://b/api/istio-rollouts/flagger/prod/rollback?token=abc',
        'local',
        'rollback',
      ),
    ).toEqual({ served: false });
    expect(
      pluginWebhookTarget(
        'http://b/api/istio-rollouts/flagger/local/confirm-rollout?token=abc',
        'local',
        'rollback',
      ),
    ).toEqual({ served: false });
    expect(
      pluginWebhookTarget(
        'http://flagger-loadtester.test/gate/approve',
        'local',
        'confirm-rollout',
      ),
    ).toEqual({ served: false });
    expect(
      pluginWebhookTarget('not a url', 'local', 'confirm-rollout'),
    ).toEqual({ served: false });
    expect(pluginWebhookTarget(undefined, 'local', 'rollback')).toEqual({
      served: false,
    });
  });

  it('keys a revision by lastAppliedSpec and trackedConfigs only', () => {
    const canary = (status: object) => ({ status });
    const base = canaryRevisionKey(
      canary({
        phase: 'Progressing',
        canaryWeight: 10,
        lastAppliedSpec: 'abc',
        trackedConfigs: { 'configmap/a': '1', 'secret/b': '2' },
      }),
    );
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    // Phase, weight and the order of the map change nothing...
    expect(
      canaryRevisionKey(
        canary({
          phase: 'WaitingPromotion',
          canaryWeight: 50,
          lastAppliedSpec: 'abc',
          trackedConfigs: { 'secret/b': '2', 'configmap/a': '1' },
        }),
      ),
    ).toBe(base);
    // ...a new spec or a changed config does.
    expect(
      canaryRevisionKey(
        canary({
          lastAppliedSpec: 'abd',
          trackedConfigs: { 'configmap/a': '1', 'secret/b': '2' },
        }),
      ),
    ).not.toBe(base);
    expect(
      canaryRevisionKey(
        canary({
          lastAppliedSpec: 'abc',
          trackedConfigs: { 'configmap/a': '2', 'secret/b': '2' },
        }),
      ),
    ).not.toBe(base);
  });

  it("reads Go durations and the analysis interval (Flagger's 1m default)", () => {
    expect(parseGoDuration('30s')).toBe(30_000);
    expect(parseGoDuration('1m30s')).toBe(90_000);
    expect(parseGoDuration('1h')).toBe(3_600_000);
    expect(parseGoDuration('500ms')).toBe(500);
    expect(parseGoDuration('1.5m')).toBe(90_000);
    expect(parseGoDuration('10')).toBeUndefined();
    expect(parseGoDuration('1m junk')).toBeUndefined();
    expect(parseGoDuration(5)).toBeUndefined();
    const every = (interval?: string) => ({ spec: { analysis: { interval } } });
    expect(analysisIntervalMs(every('15s'))).toBe(15_000);
    expect(analysisIntervalMs(every())).toBe(60_000);
    expect(analysisIntervalMs(every('bogus'))).toBe(60_000);
    // Two intervals, at least a minute.
    expect(recentCallWindowMs(every('15s'))).toBe(60_000);
    expect(recentCallWindowMs(every('2m'))).toBe(240_000);
  });

  it('opens confirm gates per revision and traffic increases per weight', () => {
    expect(
      gateIsOpen({
        gate: 'confirm-promotion',
        revision: 'r1',
        openings: [{ revision: 'r1' }],
        currentWeight: 50,
      }),
    ).toBe(true);
    expect(
      gateIsOpen({
        gate: 'confirm-promotion',
        revision: 'r2',
        openings: [{ revision: 'r1' }],
        currentWeight: 50,
      }),
    ).toBe(false);
    const increase = (currentWeight: number | undefined) =>
      gateIsOpen({
        gate: 'confirm-traffic-increase',
        revision: 'r1',
        openings: [{ revision: 'r1', canaryWeight: 10 }],
        currentWeight,
      });
    expect(increase(10)).toBe(true);
    expect(increase(20)).toBe(false);
    expect(increase(undefined)).toBe(false);
    expect(
      gateIsOpen({
        gate: 'rollback',
        revision: 'r1',
        openings: [],
        currentWeight: 10,
      }),
    ).toBe(false);
  });
});
