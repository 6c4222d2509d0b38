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
import {
  describeIfShared,
  dir,
  files,
  parsed,
} from '../__testUtils__/realFixtures';
import {
  blueGreenPaused,
  blueGreenSwitched,
  canaryAborted,
  canaryHealthy,
  canaryPausedAtStep,
  canaryRunningAnalysis,
  canaryUserPausedMidStep,
} from './__fixtures__/rollouts';
import { readArgoRolloutState } from './rolloutState';

// ReplicaSets and AnalysisRuns as Argo Rollouts creates them: named after
// the Rollout and the pod template hash, labelled with the hash, owned by
// the Rollout (controller reference with its uid).
const owner = (name: string, uid = `0b4c2a6e-${name}`) => [
  {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    name,
    uid,
    controller: true,
    blockOwnerDeletion: true,
  },
];

function replicaSet(
  rollout: string,
  hash: string,
  image: string,
  counts: { desired: number; ready: number; available?: number },
  created: string,
  options: { namespace?: string; uid?: string } = {},
) {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `${rollout}-${hash}`,
      namespace: options.namespace ?? 'shop',
      uid: `rs-${hash}`,
      resourceVersion: '48200',
      creationTimestamp: created,
      labels: { app: rollout, 'rollouts-pod-template-hash': hash },
      annotations: { 'rollout.argoproj.io/revision': '7' },
      ownerReferences: owner(rollout, options.uid),
    },
    spec: {
      replicas: counts.desired,
      selector: {
        matchLabels: { app: rollout, 'rollouts-pod-template-hash': hash },
      },
      template: {
        metadata: {
          labels: { app: rollout, 'rollouts-pod-template-hash': hash },
        },
        spec: { containers: [{ name: rollout, image }] },
      },
    },
    status: {
      replicas: counts.desired,
      readyReplicas: counts.ready,
      availableReplicas: counts.available ?? counts.ready,
      fullyLabeledReplicas: counts.desired,
      observedGeneration: 2,
    },
  };
}

function analysisRun(
  name: string,
  type: string,
  phase: string,
  created: string,
  message?: string,
) {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AnalysisRun',
    metadata: {
      name,
      namespace: 'shop',
      uid: `ar-${name}`,
      resourceVersion: '48300',
      creationTimestamp: created,
      labels: {
        'rollout-type': type,
        'rollouts-pod-template-hash': '6d4f8c7b9',
      },
      ownerReferences: owner('reviews'),
    },
    spec: { metrics: [{ name: 'success-rate', provider: { prometheus: {} } }] },
    status: { phase, ...(message && { message }) },
  };
}

const reviewsReplicaSets = () => [
  replicaSet(
    'reviews',
    '5c8b7d9f4',
    'docker.io/istio/examples-bookinfo-reviews-v1:1.20.2',
    { desired: 5, ready: 5 },
    '2026-03-01T08:00:00Z',
  ),
  replicaSet(
    'reviews',
    '6d4f8c7b9',
    'docker.io/istio/examples-bookinfo-reviews-v2:1.20.2',
    { desired: 1, ready: 0, available: 0 },
    '2026-03-02T10:10:00Z',
  ),
  replicaSet(
    'reviews',
    '49d7c6f5b',
    'docker.io/istio/examples-bookinfo-reviews-v1:1.20.1',
    { desired: 0, ready: 0 },
    '2026-02-20T08:00:00Z',
  ),
  // Same name pattern, another Rollout's (another uid): not this one's.
  replicaSet(
    'reviews',
    '11aa22bb3',
    'docker.io/istio/examples-bookinfo-reviews-v3:1.20.2',
    { desired: 2, ready: 2 },
    '2026-03-02T11:00:00Z',
    { namespace: 'staging', uid: '0b4c2a6e-other' },
  ),
];

describe('readArgoRolloutState', () => {
  it('reads a canary paused at a pause step: steps, pause, ReplicaSets and actions', () => {
    const state = readArgoRolloutState(
      canaryPausedAtStep(),
      reviewsReplicaSets(),
      [],
    );
    expect(state).toMatchObject({
      resourceVersion: '48213',
      strategy: 'canary',
      phase: 'Paused',
      message: 'CanaryPauseStep',
      completedSteps: 1,
      totalSteps: 6,
      pausedByUser: false,
      pauseConditions: [
        { reason: 'CanaryPauseStep', since: '2026-03-02T10:12:40Z' },
      ],
      aborted: false,
      promoteFull: false,
      fullyPromoted: false,
      trafficWeights: { canary: 20, stable: 80 },
      analysisRuns: [],
    });
    expect(state.steps).toEqual([
      {
        index: 0,
        kind: 'setWeight',
        weight: 20,
        text: 'set weight 20%',
        state: 'done',
      },
      {
        index: 1,
        kind: 'pause',
        text: 'pause until promoted',
        state: 'current',
      },
      {
        index: 2,
        kind: 'setWeight',
        weight: 50,
        text: 'set weight 50%',
        state: 'pending',
      },
      {
        index: 3,
        kind: 'analysis',
        text: 'analysis (success-rate)',
        state: 'pending',
      },
      {
        index: 4,
        kind: 'setWeight',
        weight: 80,
        text: 'set weight 80%',
        state: 'pending',
      },
      {
        index: 5,
        kind: 'pause',
        pauseDuration: '10m',
        text: 'pause 10m',
        state: 'pending',
      },
    ]);
    expect(state.replicaSets).toEqual([
      {
        name: 'reviews-5c8b7d9f4',
        podTemplateHash: '5c8b7d9f4',
        role: 'stable',
        images: ['docker.io/istio/examples-bookinfo-reviews-v1:1.20.2'],
        desired: 5,
        ready: 5,
        available: 5,
      },
      {
        name: 'reviews-6d4f8c7b9',
        podTemplateHash: '6d4f8c7b9',
        role: 'canary',
        images: ['docker.io/istio/examples-bookinfo-reviews-v2:1.20.2'],
        desired: 1,
        ready: 0,
        available: 0,
      },
      {
        name: 'reviews-49d7c6f5b',
        podTemplateHash: '49d7c6f5b',
        role: 'old',
        images: ['docker.io/istio/examples-bookinfo-reviews-v1:1.20.1'],
        desired: 0,
        ready: 0,
        available: 0,
      },
    ]);
    const actions = Object.fromEntries(state.actions.map(a => [a.action, a]));
    expect(actions.promote).toEqual({
      action: 'promote',
      available: true,
      reason: 'Promote reviews: ends the pause (CanaryPauseStep).',
      raisesCanaryShare: true,
    });
    expect(actions['promote-full']).toMatchObject({
      available: true,
      raisesCanaryShare: true,
    });
    expect(actions.abort).toMatchObject({
      available: true,
      reason: 'Abort reviews: go back to the stable version (5c8b7d9f4).',
      raisesCanaryShare: false,
    });
    expect(actions.retry).toMatchObject({
      available: false,
      reason:
        'Rollout reviews is not aborted; only an aborted rollout can be retried.',
      raisesCanaryShare: true,
    });
    expect(actions.pause).toMatchObject({
      available: true,
      raisesCanaryShare: false,
    });
    expect(actions.resume).toMatchObject({
      available: false,
      reason:
        'Rollout reviews was paused by its controller (CanaryPauseStep), not by a user; promote it to go on.',
      raisesCanaryShare: true,
    });
    expect(state.actions.map(a => a.action)).toEqual([
      'promote',
      'promote-full',
      'abort',
      'retry',
      'pause',
      'resume',
    ]);
  });

  it('lists the Rollout’s AnalysisRuns newest first, with where each came from', () => {
    const runs = [
      analysisRun(
        'reviews-6d4f8c7b9-7-background',
        'Background',
        'Running',
        '2026-03-02T10:10:05Z',
      ),
      analysisRun(
        'reviews-5c8b7d9f4-6-3',
        'Step',
        'Successful',
        '2026-03-01T08:20:00Z',
      ),
      analysisRun(
        'reviews-6d4f8c7b9-7-3',
        'Step',
        'Running',
        '2026-03-02T10:25:00Z',
      ),
      analysisRun(
        'reviews-84c9d7b6f-3-pre',
        'PrePromotion',
        'Failed',
        '2026-02-28T08:00:00Z',
        'Metric "smoke" assessed Failed due to failed (1) > failureLimit (0)',
      ),
      {
        ...analysisRun(
          'frontend-1a2b3c4d5-2-1',
          'Step',
          'Running',
          '2026-03-02T10:30:00Z',
        ),
        metadata: {
          name: 'frontend-1a2b3c4d5-2-1',
          namespace: 'shop',
          ownerReferences: owner('frontend'),
        },
      },
    ];
    const rollout = canaryRunningAnalysis();
    rollout.status.canary.currentBackgroundAnalysisRunStatus = {
      name: 'reviews-6d4f8c7b9-7-background',
      status: 'Running',
    };
    const state = readArgoRolloutState(rollout, [], runs);
    expect(state.analysisRuns).toEqual([
      {
        name: 'reviews-6d4f8c7b9-7-3',
        phase: 'Running',
        origin: 'step',
        startedAt: '2026-03-02T10:25:00Z',
      },
      {
        name: 'reviews-6d4f8c7b9-7-background',
        phase: 'Running',
        origin: 'background',
        startedAt: '2026-03-02T10:10:05Z',
      },
      {
        name: 'reviews-5c8b7d9f4-6-3',
        phase: 'Successful',
        origin: 'step',
        startedAt: '2026-03-01T08:20:00Z',
      },
      {
        name: 'reviews-84c9d7b6f-3-pre',
        phase: 'Failed',
        message:
          'Metric "smoke" assessed Failed due to failed (1) > failureLimit (0)',
        origin: 'other',
        startedAt: '2026-02-28T08:00:00Z',
      },
    ]);
    expect(state.steps.map(s => s.state)).toEqual([
      'done',
      'done',
      'done',
      'current',
      'pending',
      'pending',
    ]);
    // Mid-step and not paused: a promote skips the analysis.
    expect(state.actions.find(a => a.action === 'promote')).toMatchObject({
      available: true,
      reason: 'Promote reviews: skips step 4 of 6.',
    });
  });

  it('an aborted canary runs no step; only a retry (or a pause) makes sense', () => {
    const state = readArgoRolloutState(canaryAborted(), reviewsReplicaSets());
    expect(state).toMatchObject({
      phase: 'Degraded',
      aborted: true,
      abortMessage:
        'Rollout aborted update to revision 7: Metric "success-rate" assessed Failed due to failed (1) > failureLimit (0)',
      trafficWeights: { canary: 0, stable: 100 },
    });
    expect(state.steps.every(s => s.state === 'pending')).toBe(true);
    expect(state.actions.filter(a => a.available).map(a => a.action)).toEqual([
      'retry',
      'pause',
    ]);
    expect(state.actions.find(a => a.action === 'promote')?.reason).toBe(
      'Rollout reviews is aborted; retry it before promoting it.',
    );
  });

  it('a fully promoted canary: every step done, the new ReplicaSet stable, nothing to promote or abort', () => {
    const state = readArgoRolloutState(canaryHealthy(), reviewsReplicaSets());
    expect(state.fullyPromoted).toBe(true);
    expect(state.completedSteps).toBe(6);
    expect(state.steps.every(s => s.state === 'done')).toBe(true);
    expect(
      state.replicaSets.map(r => `${r.podTemplateHash} ${r.role}`),
    ).toEqual(['6d4f8c7b9 stable', '5c8b7d9f4 old', '49d7c6f5b old']);
    expect(state.actions.filter(a => a.available).map(a => a.action)).toEqual([
      'pause',
    ]);
  });

  it('a user’s pause between steps: resume is offered, and is the only raise besides promote', () => {
    const state = readArgoRolloutState(canaryUserPausedMidStep());
    expect(state.pausedByUser).toBe(true);
    expect(state.pauseConditions).toEqual([]);
    const available = state.actions.filter(a => a.available);
    expect(available.map(a => a.action)).toEqual([
      'promote',
      'promote-full',
      'abort',
      'resume',
    ]);
    expect(available.find(a => a.action === 'resume')?.reason).toBe(
      'Resume reviews.',
    );
  });

  it('blue-green: the active and preview ReplicaSets, from the Services’ selectors', () => {
    const bg = (hash: string, desired: number, created: string) =>
      replicaSet(
        'ratings',
        hash,
        `docker.io/istio/examples-bookinfo-ratings-v1:${hash}`,
        { desired, ready: desired },
        created,
      );
    const sets = [
      bg('7f6b5d4c8', 3, '2026-03-01T08:00:00Z'),
      bg('84c9d7b6f', 3, '2026-03-03T14:00:00Z'),
      bg('5a4b3c2d1', 0, '2026-02-01T08:00:00Z'),
    ];
    const paused = readArgoRolloutState(blueGreenPaused(), sets);
    expect(paused).toMatchObject({
      strategy: 'blueGreen',
      totalSteps: 0,
      steps: [],
      pauseConditions: [
        { reason: 'BlueGreenPause', since: '2026-03-03T14:02:09Z' },
      ],
    });
    expect(paused.completedSteps).toBeUndefined();
    expect(
      paused.replicaSets.map(r => `${r.podTemplateHash} ${r.role}`),
    ).toEqual(['7f6b5d4c8 active', '84c9d7b6f preview', '5a4b3c2d1 old']);
    expect(paused.actions.find(a => a.action === 'promote')).toMatchObject({
      available: true,
      reason: 'Promote ratings: ends the pause (BlueGreenPause).',
    });

    // After the switch the old version is still the stable one until the
    // post-promotion analysis passes.
    const switched = readArgoRolloutState(blueGreenSwitched(), sets);
    expect(
      switched.replicaSets.map(r => `${r.podTemplateHash} ${r.role}`),
    ).toEqual(['84c9d7b6f active', '7f6b5d4c8 stable', '5a4b3c2d1 old']);
  });

  it('describes every kind of step', () => {
    const rollout = canaryPausedAtStep();
    rollout.spec.strategy.canary.steps = [
      { setCanaryScale: { weight: 50 } },
      { setCanaryScale: { replicas: 1 } },
      { setCanaryScale: { matchTrafficWeight: true } },
      {
        setHeaderRoute: {
          name: 'header-route',
          match: [{ headerName: 'x-canary', headerValue: { exact: 'yes' } }],
        },
      },
      { setHeaderRoute: { name: 'header-route' } },
      {
        setMirrorRoute: {
          name: 'mirror-route',
          percentage: 35,
          match: [{ method: { exact: 'GET' } }],
        },
      },
      { setMirrorRoute: { name: 'mirror-route' } },
      { pause: { duration: 30 } },
      {
        experiment: {
          duration: '5m',
          templates: [{ name: 'baseline', specRef: 'stable' }],
        },
      },
      { plugin: { name: 'argoproj-labs/step-exec', config: {} } },
      { somethingNew: {} },
    ];
    expect(readArgoRolloutState(rollout).steps.map(s => s.text)).toEqual([
      'set canary scale 50%',
      'set canary scale 1 pod',
      'set canary scale to match traffic weight',
      'set header route header-route',
      'remove header route header-route',
      'set mirror route mirror-route 35%',
      'remove mirror route mirror-route',
      'pause 30s',
      'experiment for 5m',
      'plugin argoproj-labs/step-exec',
      'unknown step',
    ]);
  });

  it('never throws on odd input', () => {
    for (const odd of [undefined, null, 42, 'Rollout', [], {}, { spec: 1 }]) {
      const state = readArgoRolloutState(
        odd,
        [null, 1, {}] as unknown[],
        ['x'] as unknown[],
      );
      expect(state.resourceVersion).toBe('');
      expect(state.replicaSets).toEqual([]);
      expect(state.analysisRuns).toEqual([]);
      expect(state.actions.every(a => !a.available)).toBe(true);
    }
  });
});

describeIfShared(
  'readArgoRolloutState on the real Argo Rollouts manifests',
  () => {
    const rollouts = files
      .filter(f => f.includes(`${path.sep}argo-rollouts${path.sep}`))
      .flatMap(f =>
        (parsed.get(f) ?? [])
          .filter((o: any) => o?.kind === 'Rollout')
          .map(o => [path.relative(dir, f), o] as const),
      );

    it('finds the manifests', () => {
      expect(rollouts.length).toBeGreaterThanOrEqual(8);
    });

    it.each(rollouts)(
      '%s: every step is known and pending',
      (_file, rollout) => {
        const state = readArgoRolloutState(rollout);
        const written = (rollout as any).spec.strategy.canary?.steps ?? [];
        expect(state.steps).toHaveLength(written.length);
        for (const step of state.steps) {
          expect(step.kind).not.toBe('unknown');
          expect(step.text).not.toMatch(/unknown|undefined/);
          expect(step.state).toBe('pending');
        }
      },
    );
  },
);
