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

import { asArray, asNumber, asString, dig, isRecord } from '../kube/guards';

// What an Argo Rollouts tab shows about one Rollout, read from the raw
// object alone (no ReplicaSets, no AnalysisRuns). The names and rules follow
// Argo Rollouts' own readers (utils/rollout/rolloututil.go GetRolloutPhase,
// utils/replicaset/canary.go GetCurrentCanaryStep) so that the tab and
// `kubectl argo rollouts get rollout` agree. Like the other readers, it
// never throws: odd input gives undefined fields, not an exception.

/**
 * The kinds of canary step Argo Rollouts knows (the member of the step
 * object that is set); `unknown` for a step this version does not know.
 *
 * @public
 */
export type CanaryStepKind =
  | 'setWeight'
  | 'pause'
  | 'experiment'
  | 'analysis'
  | 'setCanaryScale'
  | 'setHeaderRoute'
  | 'setMirrorRoute'
  | 'plugin'
  | 'unknown';

const STEP_KINDS: CanaryStepKind[] = [
  'setWeight',
  'pause',
  'experiment',
  'analysis',
  'setCanaryScale',
  'setHeaderRoute',
  'setMirrorRoute',
  'plugin',
];

/** @public */
export interface CanaryStepView {
  /** Position in spec.strategy.canary.steps. */
  index: number;
  kind: CanaryStepKind;
  /** For `setWeight`: the canary's percentage. */
  weight?: number;
  /** For `pause`: the duration as written ("1h", 30); undefined = until promoted. */
  pauseDuration?: string | number;
  /** The step as written, for anything the fields above do not cover. */
  raw: unknown;
}

/** @public */
export interface PauseConditionView {
  /** CanaryPauseStep, BlueGreenPause, InconclusiveAnalysisRun, InconclusiveExperiment. */
  reason: string;
  /** RFC 3339 time the controller paused for this reason. */
  since?: string;
}

/** @public */
export interface AnalysisRunStatusView {
  name: string;
  /** Pending, Running, Successful, Failed, Error, Inconclusive. */
  status?: string;
  message?: string;
}

/** @public */
export interface RolloutProgress {
  name?: string;
  namespace?: string;
  strategy?: 'canary' | 'blueGreen';
  /** Healthy, Progressing, Paused, Degraded (as GetRolloutPhase reports it). */
  phase?: string;
  phaseMessage?: string;
  /** Canary only: status.currentStepIndex, which counts the steps already done. */
  currentStepIndex?: number;
  /** Canary steps in the spec; 0 for blue-green and for a canary without steps. */
  totalSteps: number;
  /** Steps done, as `kubectl argo rollouts get` prints "Step: done/total". */
  completedSteps?: number;
  /** The step being run; undefined when every step is done or there are none. */
  currentStep?: CanaryStepView;
  /** spec.paused: paused by a user (`kubectl argo rollouts pause`). */
  pausedByUser: boolean;
  /** status.pauseConditions: paused by the controller (a pause step, a blue-green pre-promotion wait, an inconclusive analysis). */
  pauseConditions: PauseConditionView[];
  /** status.controllerPause. */
  controllerPause: boolean;
  /**
   * A user cleared the pause conditions (promote) and the controller has not
   * reacted yet: controllerPause is still set while no condition remains.
   * Argo's IsUnpausing; a second promote now would skip one more step.
   */
  unpausing: boolean;
  aborted: boolean;
  abortedAt?: string;
  /** Why it was aborted (an analysis failure, a user's abort), when the controller says. */
  abortMessage?: string;
  /** status.promoteFull: a full promotion is under way. */
  promoteFull: boolean;
  /** Pod template hash of the stable ReplicaSet. */
  stableRS?: string;
  /** Pod template hash of the ReplicaSet of the current spec (the canary, or the blue-green preview). */
  currentPodHash?: string;
  /** The current spec's ReplicaSet is the stable one: nothing is being rolled out. */
  fullyPromoted: boolean;
  /** The controller has seen the current spec (metadata.generation). */
  specObserved: boolean;
  /** Canary with traffic routing: the weights the controller last set. */
  trafficWeights?: { canary: number; stable: number };
  /** Canary: the analysis of the current step, and the background analysis. */
  stepAnalysis?: AnalysisRunStatusView;
  backgroundAnalysis?: AnalysisRunStatusView;
  /** Blue-green: the pod hashes the active and preview Services select. */
  activeSelector?: string;
  previewSelector?: string;
}

/**
 * One canary step as Argo reads it: the member that is set, and its weight
 * or pause duration.
 *
 * @internal
 */
export function readCanaryStep(raw: unknown, index: number): CanaryStepView {
  const kind =
    STEP_KINDS.find(k => isRecord(raw) && raw[k] !== undefined) ?? 'unknown';
  const view: CanaryStepView = { index, kind, raw };
  if (kind === 'setWeight') {
    view.weight = asNumber(dig(raw, 'setWeight'));
  }
  if (kind === 'pause') {
    const duration = dig(raw, 'pause', 'duration');
    if (typeof duration === 'string' || typeof duration === 'number') {
      view.pauseDuration = duration;
    }
  }
  return view;
}

function analysisStatus(raw: unknown): AnalysisRunStatusView | undefined {
  const name = asString(dig(raw, 'name'));
  if (!name) return undefined;
  return {
    name,
    status: asString(dig(raw, 'status')),
    message: asString(dig(raw, 'message')),
  };
}

/**
 * status.currentStepIndex as Argo reads it: absent counts as 0; anything
 * that is not a whole number is treated as absent.
 *
 */
export function readStepIndex(rollout: unknown): number | undefined {
  const index = asNumber(dig(rollout, 'status', 'currentStepIndex'));
  return index !== undefined && Number.isInteger(index) && index >= 0
    ? index
    : undefined;
}

export function readPauseConditions(rollout: unknown): PauseConditionView[] {
  return asArray(dig(rollout, 'status', 'pauseConditions')).map(c => ({
    reason: asString(dig(c, 'reason')) ?? 'unknown',
    since: asString(dig(c, 'startTime')),
  }));
}

export function readStrategy(rollout: unknown): RolloutProgress['strategy'] {
  const strategy = dig(rollout, 'spec', 'strategy');
  if (isRecord(dig(strategy, 'canary'))) return 'canary';
  if (isRecord(dig(strategy, 'blueGreen'))) return 'blueGreen';
  return undefined;
}

// observedGeneration is a string in a Rollout's status. Like Argo, anything
// that is not a number (a v0.9 hash) or is ahead counts as observed.
function specObserved(rollout: unknown): boolean {
  const observed = dig(rollout, 'status', 'observedGeneration');
  const generation = asNumber(dig(rollout, 'metadata', 'generation'));
  const observedNumber =
    typeof observed === 'string' && /^\d+$/.test(observed)
      ? Number(observed)
      : asNumber(observed);
  if (observedNumber === undefined || generation === undefined) return true;
  return observedNumber >= generation;
}

function abortMessage(rollout: unknown): string | undefined {
  // The controller records the abort on the Progressing condition (reason
  // RolloutAborted) and, since 1.0, in status.message.
  const condition = asArray(dig(rollout, 'status', 'conditions')).find(
    c => dig(c, 'reason') === 'RolloutAborted',
  );
  return (
    asString(dig(condition, 'message')) ??
    asString(dig(rollout, 'status', 'message'))
  );
}

/**
 * What the tab shows about a Rollout's progress, from the raw object.
 *
 * @public
 */
export function readRolloutProgress(rollout: unknown): RolloutProgress {
  const status = dig(rollout, 'status');
  const strategy = readStrategy(rollout);
  const steps =
    strategy === 'canary'
      ? asArray(dig(rollout, 'spec', 'strategy', 'canary', 'steps'))
      : [];
  const pauseConditions = readPauseConditions(rollout);
  const controllerPause = dig(status, 'controllerPause') === true;
  const aborted = dig(status, 'abort') === true;
  const stableRS = asString(dig(status, 'stableRS'));
  const currentPodHash = asString(dig(status, 'currentPodHash'));
  const observed = specObserved(rollout);
  const unpausing = controllerPause && pauseConditions.length === 0;

  const progress: RolloutProgress = {
    name: asString(dig(rollout, 'metadata', 'name')),
    namespace: asString(dig(rollout, 'metadata', 'namespace')),
    strategy,
    totalSteps: steps.length,
    pausedByUser: dig(rollout, 'spec', 'paused') === true,
    pauseConditions,
    controllerPause,
    unpausing,
    aborted,
    promoteFull: dig(status, 'promoteFull') === true,
    stableRS,
    currentPodHash,
    // Argo's IsFullyPromoted compares the two hashes; before the controller
    // has written either, nothing is known to be promoted.
    fullyPromoted: stableRS !== undefined && stableRS === currentPodHash,
    specObserved: observed,
  };

  // GetRolloutPhase: status.phase is computed by the controller, but can
  // lag behind a spec change or a promote the controller has not seen yet.
  if (!observed) {
    progress.phase = 'Progressing';
    progress.phaseMessage = 'waiting for rollout spec update to be observed';
  } else if (unpausing) {
    progress.phase = 'Progressing';
    progress.phaseMessage = 'waiting for rollout to unpause';
  } else {
    progress.phase = asString(dig(status, 'phase'));
    progress.phaseMessage = asString(dig(status, 'message'));
  }

  if (aborted) {
    progress.abortedAt = asString(dig(status, 'abortedAt'));
    progress.abortMessage = abortMessage(rollout);
  }

  if (strategy === 'canary') {
    if (steps.length > 0) {
      // GetCurrentCanaryStep: an absent index is step 0.
      const index = readStepIndex(rollout) ?? 0;
      progress.currentStepIndex = readStepIndex(rollout);
      progress.completedSteps = Math.min(index, steps.length);
      if (index < steps.length) {
        progress.currentStep = readCanaryStep(steps[index], index);
      }
    }
    const weights = dig(status, 'canary', 'weights');
    const canaryWeight = asNumber(dig(weights, 'canary', 'weight'));
    const stableWeight = asNumber(dig(weights, 'stable', 'weight'));
    if (canaryWeight !== undefined && stableWeight !== undefined) {
      progress.trafficWeights = { canary: canaryWeight, stable: stableWeight };
    }
    progress.stepAnalysis = analysisStatus(
      dig(status, 'canary', 'currentStepAnalysisRunStatus'),
    );
    progress.backgroundAnalysis = analysisStatus(
      dig(status, 'canary', 'currentBackgroundAnalysisRunStatus'),
    );
  } else if (strategy === 'blueGreen') {
    progress.activeSelector = asString(
      dig(status, 'blueGreen', 'activeSelector'),
    );
    progress.previewSelector = asString(
      dig(status, 'blueGreen', 'previewSelector'),
    );
  }
  return progress;
}
