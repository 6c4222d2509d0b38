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
import { dig } from '../kube/guards';
import {
  blueGreenPaused,
  blueGreenSwitched,
  canaryAborted,
  canaryHealthy,
  canaryInconclusive,
  canaryPausedAtStep,
  canaryUserPausedMidStep,
} from './__fixtures__/rollouts';
import { readRolloutProgress } from './rolloutProgress';

describe('readRolloutProgress', () => {
  it('reads a canary paused by a pause step', () => {
    expect(readRolloutProgress(canaryPausedAtStep())).toEqual({
      name: 'reviews',
      namespace: 'shop',
      strategy: 'canary',
      phase: 'Paused',
      phaseMessage: 'CanaryPauseStep',
      currentStepIndex: 1,
      totalSteps: 6,
      completedSteps: 1,
      currentStep: { index: 1, kind: 'pause', raw: { pause: {} } },
      pausedByUser: false,
      pauseConditions: [
        { reason: 'CanaryPauseStep', since: '2026-03-02T10:12:40Z' },
      ],
      controllerPause: true,
      unpausing: false,
      aborted: false,
      promoteFull: false,
      stableRS: '5c8b7d9f4',
      currentPodHash: '6d4f8c7b9',
      fullyPromoted: false,
      specObserved: true,
      trafficWeights: { canary: 20, stable: 80 },
      stepAnalysis: undefined,
      backgroundAnalysis: undefined,
    });
  });

  it('reads the step analysis and an inconclusive pause', () => {
    const progress = readRolloutProgress(canaryInconclusive());
    expect(progress.currentStep).toMatchObject({ index: 3, kind: 'analysis' });
    expect(progress.stepAnalysis).toEqual({
      name: 'reviews-6d4f8c7b9-7-3',
      status: 'Inconclusive',
      message: expect.stringContaining('inconclusiveLimit'),
    });
    expect(progress.pauseConditions.map(c => c.reason)).toEqual([
      'InconclusiveAnalysisRun',
    ]);
  });

  it('reads a setWeight step and a pause by a user', () => {
    const progress = readRolloutProgress(canaryUserPausedMidStep());
    expect(progress.currentStep).toEqual({
      index: 2,
      kind: 'setWeight',
      weight: 50,
      raw: { setWeight: 50 },
    });
    expect(progress).toMatchObject({
      pausedByUser: true,
      phase: 'Paused',
      phaseMessage: 'manually paused',
    });
  });

  it('reads a timed pause', () => {
    const rollout = canaryPausedAtStep();
    rollout.status.currentStepIndex = 5;
    expect(readRolloutProgress(rollout).currentStep).toMatchObject({
      kind: 'pause',
      pauseDuration: '10m',
    });
  });

  it('reads a finished canary: no current step', () => {
    const progress = readRolloutProgress(canaryHealthy());
    expect(progress).toMatchObject({
      completedSteps: 6,
      totalSteps: 6,
      fullyPromoted: true,
      phase: 'Healthy',
    });
    expect(progress.currentStep).toBeUndefined();
  });

  it('reads an abort and why', () => {
    expect(readRolloutProgress(canaryAborted())).toMatchObject({
      aborted: true,
      abortedAt: '2026-03-02T10:33:51Z',
      abortMessage: expect.stringMatching(
        /^Rollout aborted update to revision 7: Metric "success-rate" assessed Failed/,
      ),
      phase: 'Degraded',
      stepAnalysis: { status: 'Failed' },
    });
  });

  it('reads a blue-green rollout', () => {
    const progress = readRolloutProgress(blueGreenPaused());
    expect(progress).toMatchObject({
      strategy: 'blueGreen',
      totalSteps: 0,
      activeSelector: '7f6b5d4c8',
      previewSelector: '84c9d7b6f',
      pauseConditions: [
        { reason: 'BlueGreenPause', since: '2026-03-03T14:02:09Z' },
      ],
    });
    expect(progress.currentStepIndex).toBeUndefined();
    expect(progress.completedSteps).toBeUndefined();
    expect(readRolloutProgress(blueGreenSwitched()).activeSelector).toBe(
      '84c9d7b6f',
    );
  });

  it('says Progressing while the controller has not seen a promote or a spec change', () => {
    const promoted = canaryPausedAtStep();
    delete promoted.status.pauseConditions;
    expect(readRolloutProgress(promoted)).toMatchObject({
      unpausing: true,
      phase: 'Progressing',
      phaseMessage: 'waiting for rollout to unpause',
    });
    const edited = canaryPausedAtStep();
    edited.metadata.generation = 8;
    expect(readRolloutProgress(edited)).toMatchObject({
      specObserved: false,
      phase: 'Progressing',
      phaseMessage: 'waiting for rollout spec update to be observed',
    });
  });

  it('never throws on odd input', () => {
    for (const odd of [
      undefined,
      null,
      'x',
      [],
      { spec: { strategy: { canary: { steps: 'x' } } } },
      { spec: { strategy: { canary: { steps: [null, 3] } } } },
      { status: { currentStepIndex: -1, pauseConditions: 'x' } },
    ]) {
      expect(() => readRolloutProgress(odd)).not.toThrow();
    }
    expect(
      readRolloutProgress({
        spec: { strategy: { canary: { steps: [null, { bogus: 1 }] } } },
        status: { currentStepIndex: 1 },
      }).currentStep,
    ).toEqual({ index: 1, kind: 'unknown', raw: { bogus: 1 } });
  });
});

describeIfShared('real fixtures: Argo Rollouts manifests and CRD', () => {
  const rollouts = files
    .filter(f => f.includes(`${path.sep}argo-rollouts${path.sep}`))
    .flatMap(f =>
      (parsed.get(f) ?? [])
        .filter(o => dig(o, 'kind') === 'Rollout')
        .map(o => [path.relative(dir, f), o] as const),
    );

  it('has Rollouts to read', () => {
    expect(rollouts.length).toBeGreaterThan(0);
  });

  it('reads every step of every Rollout as a known kind', () => {
    const unknownKinds = rollouts.flatMap(([file, rollout]) => {
      const steps = dig(rollout, 'spec', 'strategy', 'canary', 'steps');
      return (Array.isArray(steps) ? steps : [])
        .map(
          (_, i) =>
            readRolloutProgress({
              ...(rollout as object),
              status: { currentStepIndex: i },
            }).currentStep,
        )
        .filter(step => step?.kind === 'unknown')
        .map(step => `${file} step ${step?.index}`);
    });
    expect(unknownKinds).toEqual([]);
    for (const [file, rollout] of rollouts) {
      const steps = dig(rollout, 'spec', 'strategy', 'canary', 'steps');
      const progress = readRolloutProgress(rollout);
      expect({ file, total: progress.totalSteps }).toEqual({
        file,
        total: Array.isArray(steps) ? steps.length : 0,
      });
    }
  });

  it('the CRD has a status subresource holding every member the actions write', () => {
    const crd = (
      parsed.get(path.join(dir, 'argo-rollouts/rollout-crd.yaml')) ?? []
    ).find(o => dig(o, 'kind') === 'CustomResourceDefinition');
    const version = (dig(crd, 'spec', 'versions') as unknown[]).find(
      v => dig(v, 'name') === 'v1alpha1',
    );
    // Why status fields go to /status: a PATCH of the Rollout drops them.
    expect(dig(version, 'subresources', 'status')).toEqual({});
    const schema = dig(version, 'schema', 'openAPIV3Schema', 'properties');
    const status = dig(schema, 'status', 'properties') as Record<string, any>;
    expect(status.pauseConditions.type).toBe('array');
    for (const member of ['abort', 'controllerPause', 'promoteFull']) {
      expect({ member, type: status[member].type }).toEqual({
        member,
        type: 'boolean',
      });
    }
    expect(status.currentStepIndex.type).toBe('integer');
    expect(dig(schema, 'spec', 'properties', 'paused', 'type')).toBe('boolean');
  });
});
