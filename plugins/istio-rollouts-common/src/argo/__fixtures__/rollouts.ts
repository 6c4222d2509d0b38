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

// Live Rollouts as the API server returns them, written for these tests
// after the shape of the objects in Argo Rollouts' own test data
// (pkg/kubectl-argo-rollouts/info/testdata) and the v1alpha1 types. Each
// function returns a fresh copy, so tests may change it.

const template = (image: string) => ({
  metadata: { labels: { app: 'reviews' } },
  spec: {
    containers: [{ name: 'reviews', image, ports: [{ containerPort: 9080 }] }],
  },
});

const meta = (name: string, resourceVersion: string, generation: number) => ({
  name,
  namespace: 'shop',
  uid: `0b4c2a6e-${name}`,
  resourceVersion,
  generation,
  creationTimestamp: '2026-03-02T09:00:00Z',
});

const canarySteps = [
  { setWeight: 20 },
  { pause: {} },
  { setWeight: 50 },
  { analysis: { templates: [{ templateName: 'success-rate' }] } },
  { setWeight: 80 },
  { pause: { duration: '10m' } },
];

/** A canary with Istio traffic routing, paused by its second step (index 1, an indefinite pause). */
export function canaryPausedAtStep(): Record<string, any> {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: meta('reviews', '48213', 7),
    spec: {
      replicas: 5,
      revisionHistoryLimit: 3,
      selector: { matchLabels: { app: 'reviews' } },
      template: template('docker.io/istio/examples-bookinfo-reviews-v2:1.20.2'),
      strategy: {
        canary: {
          canaryService: 'reviews-canary',
          stableService: 'reviews-stable',
          trafficRouting: {
            istio: {
              virtualService: { name: 'reviews', routes: ['primary'] },
            },
          },
          steps: canarySteps,
        },
      },
    },
    status: {
      HPAReplicas: 5,
      availableReplicas: 5,
      readyReplicas: 5,
      replicas: 5,
      updatedReplicas: 1,
      blueGreen: {},
      canary: {
        weights: {
          canary: {
            podTemplateHash: '6d4f8c7b9',
            serviceName: 'reviews-canary',
            weight: 20,
          },
          stable: {
            podTemplateHash: '5c8b7d9f4',
            serviceName: 'reviews-stable',
            weight: 80,
          },
        },
      },
      conditions: [
        {
          lastTransitionTime: '2026-03-02T10:12:40Z',
          lastUpdateTime: '2026-03-02T10:12:40Z',
          message: 'Rollout is paused',
          reason: 'RolloutPaused',
          status: 'Unknown',
          type: 'Paused',
        },
        {
          lastTransitionTime: '2026-03-02T10:12:40Z',
          lastUpdateTime: '2026-03-02T10:12:40Z',
          message: 'Rollout is paused',
          reason: 'RolloutPaused',
          status: 'Unknown',
          type: 'Progressing',
        },
      ],
      controllerPause: true,
      currentPodHash: '6d4f8c7b9',
      currentStepHash: '7b9d6c5f8',
      currentStepIndex: 1,
      message: 'CanaryPauseStep',
      observedGeneration: '7',
      pauseConditions: [
        { reason: 'CanaryPauseStep', startTime: '2026-03-02T10:12:40Z' },
      ],
      phase: 'Paused',
      selector: 'app=reviews',
      stableRS: '5c8b7d9f4',
    },
  };
}

/** The same canary at step 4 (index 3), running its analysis, not paused. */
export function canaryRunningAnalysis(): Record<string, any> {
  const r = canaryPausedAtStep();
  r.metadata.resourceVersion = '48377';
  r.status.currentStepIndex = 3;
  delete r.status.controllerPause;
  delete r.status.pauseConditions;
  r.status.conditions = r.status.conditions.filter(
    (c: any) => c.type !== 'Paused',
  );
  r.status.conditions[0] = {
    ...r.status.conditions[0],
    message: 'ReplicaSet "reviews-6d4f8c7b9" is progressing.',
    reason: 'ReplicaSetUpdated',
    status: 'True',
  };
  r.status.phase = 'Progressing';
  r.status.message = 'more replicas need to be updated';
  r.status.canary.weights.canary.weight = 50;
  r.status.canary.weights.stable.weight = 50;
  r.status.canary.currentStepAnalysisRunStatus = {
    name: 'reviews-6d4f8c7b9-7-3',
    status: 'Running',
  };
  return r;
}

/** The analysis of step 4 came back inconclusive: the controller paused. */
export function canaryInconclusive(): Record<string, any> {
  const r = canaryRunningAnalysis();
  r.metadata.resourceVersion = '48402';
  r.status.controllerPause = true;
  r.status.pauseConditions = [
    { reason: 'InconclusiveAnalysisRun', startTime: '2026-03-02T10:31:05Z' },
  ];
  r.status.canary.currentStepAnalysisRunStatus = {
    name: 'reviews-6d4f8c7b9-7-3',
    status: 'Inconclusive',
    message:
      'Metric "success-rate" assessed Inconclusive due to inconclusive (1) > inconclusiveLimit (0)',
  };
  r.status.phase = 'Paused';
  r.status.message = 'InconclusiveAnalysisRun';
  return r;
}

/** Paused by a user (`kubectl argo rollouts pause`) while at a pause step. */
export function canaryUserPausedAtStep(): Record<string, any> {
  const r = canaryPausedAtStep();
  r.metadata.resourceVersion = '48250';
  r.metadata.generation = 8;
  r.spec.paused = true;
  r.status.observedGeneration = '8';
  r.status.message = 'manually paused';
  return r;
}

/** Paused by a user between steps (during setWeight 50, index 2). */
export function canaryUserPausedMidStep(): Record<string, any> {
  const r = canaryRunningAnalysis();
  r.metadata.resourceVersion = '48290';
  r.metadata.generation = 8;
  r.spec.paused = true;
  r.status.currentStepIndex = 2;
  delete r.status.canary.currentStepAnalysisRunStatus;
  r.status.observedGeneration = '8';
  r.status.phase = 'Paused';
  r.status.message = 'manually paused';
  return r;
}

/** Every step done, the new version stable. */
export function canaryHealthy(): Record<string, any> {
  const r = canaryRunningAnalysis();
  r.metadata.resourceVersion = '48811';
  r.status.currentStepIndex = 6;
  r.status.stableRS = '6d4f8c7b9';
  r.status.updatedReplicas = 5;
  delete r.status.canary.currentStepAnalysisRunStatus;
  r.status.canary.weights.canary.weight = 0;
  r.status.canary.weights.stable = {
    podTemplateHash: '6d4f8c7b9',
    serviceName: 'reviews-stable',
    weight: 100,
  };
  r.status.canary.weights.canary.podTemplateHash = '6d4f8c7b9';
  r.status.conditions = [
    {
      lastTransitionTime: '2026-03-02T10:58:12Z',
      lastUpdateTime: '2026-03-02T10:58:12Z',
      message: 'RolloutCompleted',
      reason: 'RolloutCompleted',
      status: 'True',
      type: 'Completed',
    },
  ];
  r.status.phase = 'Healthy';
  delete r.status.message;
  return r;
}

/** The analysis failed at step 4: the controller aborted the update. */
export function canaryAborted(): Record<string, any> {
  const r = canaryRunningAnalysis();
  r.metadata.resourceVersion = '48440';
  r.status.abort = true;
  r.status.abortedAt = '2026-03-02T10:33:51Z';
  r.status.currentStepIndex = 0;
  r.status.canary.weights.canary.weight = 0;
  r.status.canary.weights.stable.weight = 100;
  r.status.canary.currentStepAnalysisRunStatus = {
    name: 'reviews-6d4f8c7b9-7-3',
    status: 'Failed',
    message:
      'Metric "success-rate" assessed Failed due to failed (1) > failureLimit (0)',
  };
  r.status.conditions[0] = {
    lastTransitionTime: '2026-03-02T10:33:51Z',
    lastUpdateTime: '2026-03-02T10:33:51Z',
    message:
      'Rollout aborted update to revision 7: Metric "success-rate" assessed Failed due to failed (1) > failureLimit (0)',
    reason: 'RolloutAborted',
    status: 'False',
    type: 'Progressing',
  };
  r.status.phase = 'Degraded';
  r.status.message =
    'RolloutAborted: Rollout aborted update to revision 7: Metric "success-rate" assessed Failed due to failed (1) > failureLimit (0)';
  return r;
}

/** A blue-green rollout waiting before the switch (autoPromotionEnabled false). */
export function blueGreenPaused(): Record<string, any> {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: meta('ratings', '90117', 4),
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'ratings' } },
      template: template('docker.io/istio/examples-bookinfo-ratings-v1:1.20.2'),
      strategy: {
        blueGreen: {
          activeService: 'ratings-active',
          previewService: 'ratings-preview',
          autoPromotionEnabled: false,
          prePromotionAnalysis: {
            templates: [{ templateName: 'smoke-tests' }],
          },
        },
      },
    },
    status: {
      HPAReplicas: 6,
      availableReplicas: 6,
      readyReplicas: 6,
      replicas: 6,
      updatedReplicas: 3,
      blueGreen: {
        activeSelector: '7f6b5d4c8',
        previewSelector: '84c9d7b6f',
        prePromotionAnalysisRunStatus: {
          name: 'ratings-84c9d7b6f-4-pre',
          status: 'Successful',
        },
      },
      canary: {},
      controllerPause: true,
      currentPodHash: '84c9d7b6f',
      observedGeneration: '4',
      pauseConditions: [
        { reason: 'BlueGreenPause', startTime: '2026-03-03T14:02:09Z' },
      ],
      phase: 'Paused',
      message: 'BlueGreenPause',
      selector: 'app=ratings',
      stableRS: '7f6b5d4c8',
    },
  };
}

/** The blue-green rollout after the switch, its post-promotion analysis running. */
export function blueGreenSwitched(): Record<string, any> {
  const r = blueGreenPaused();
  r.metadata.resourceVersion = '90203';
  r.spec.strategy.blueGreen.postPromotionAnalysis = {
    templates: [{ templateName: 'error-rate' }],
  };
  delete r.status.controllerPause;
  delete r.status.pauseConditions;
  r.status.blueGreen.activeSelector = '84c9d7b6f';
  r.status.phase = 'Progressing';
  r.status.message = 'waiting for analysis to complete';
  return r;
}

/** The blue-green rollout with nothing in progress. */
export function blueGreenHealthy(): Record<string, any> {
  const r = blueGreenSwitched();
  r.metadata.resourceVersion = '90388';
  r.status.stableRS = '84c9d7b6f';
  r.status.phase = 'Healthy';
  delete r.status.message;
  return r;
}
