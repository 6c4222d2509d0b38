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
  ARGO_ROLLOUT_ACTIONS,
  ArgoActionAvailability,
  ArgoAnalysisRunView,
  ArgoReplicaSetView,
  ArgoRolloutAction,
  ArgoRolloutStateView,
  ArgoRolloutStepView,
} from '../controllers';
import {
  asArray,
  asNumber,
  asString,
  asStringMap,
  dig,
  isRecord,
} from '../kube/guards';
import { buildRolloutAction } from './rolloutActions';
import {
  CanaryStepView,
  RolloutProgress,
  readCanaryStep,
  readRolloutProgress,
} from './rolloutProgress';

// An Argo Rollout's own state as the tab shows it: its steps, pauses,
// ReplicaSets, AnalysisRuns and which actions make sense now. Built from
// the Rollout and the ReplicaSets and AnalysisRuns of its namespace (the
// ones it owns are picked here), like `kubectl argo rollouts get rollout`
// (pkg/kubectl-argo-rollouts/info). Never throws.

/**
 * The label Argo Rollouts puts on each revision's ReplicaSet, its pods, and
 * the selectors of the Services and subsets it pins to a revision.
 *
 * @internal
 */
export const ROLLOUT_POD_TEMPLATE_HASH = 'rollouts-pod-template-hash';

// Actions that move traffic towards the new version: subject to requests.
const RAISES_CANARY_SHARE: ReadonlySet<ArgoRolloutAction> = new Set([
  'promote',
  'promote-full',
  'retry',
  'resume',
]);

function stepText(step: CanaryStepView): string {
  const raw = step.raw;
  switch (step.kind) {
    case 'setWeight':
      return step.weight !== undefined
        ? `set weight ${step.weight}%`
        : 'set weight';
    case 'pause':
      return step.pauseDuration !== undefined
        ? `pause ${step.pauseDuration}${
            typeof step.pauseDuration === 'number' ? 's' : ''
          }`
        : 'pause until promoted';
    case 'analysis': {
      const templates = asArray(dig(raw, 'analysis', 'templates'))
        .map(t => asString(dig(t, 'templateName')))
        .filter((t): t is string => t !== undefined);
      return templates.length
        ? `analysis (${templates.join(', ')})`
        : 'analysis';
    }
    case 'experiment': {
      const duration = dig(raw, 'experiment', 'duration');
      return typeof duration === 'string' || typeof duration === 'number'
        ? `experiment for ${duration}${typeof duration === 'number' ? 's' : ''}`
        : 'experiment';
    }
    case 'setCanaryScale': {
      const scale = dig(raw, 'setCanaryScale');
      const weight = asNumber(dig(scale, 'weight'));
      const replicas = asNumber(dig(scale, 'replicas'));
      if (weight !== undefined) return `set canary scale ${weight}%`;
      if (replicas !== undefined)
        return `set canary scale ${replicas} ${
          replicas === 1 ? 'pod' : 'pods'
        }`;
      if (dig(scale, 'matchTrafficWeight') === true)
        return 'set canary scale to match traffic weight';
      return 'set canary scale';
    }
    case 'setHeaderRoute': {
      const name = asString(dig(raw, 'setHeaderRoute', 'name'));
      const match = asArray(dig(raw, 'setHeaderRoute', 'match'));
      if (name && match.length === 0) return `remove header route ${name}`;
      return name ? `set header route ${name}` : 'set header route';
    }
    case 'setMirrorRoute': {
      const name = asString(dig(raw, 'setMirrorRoute', 'name'));
      const percentage = asNumber(dig(raw, 'setMirrorRoute', 'percentage'));
      const match = asArray(dig(raw, 'setMirrorRoute', 'match'));
      if (name && match.length === 0) return `remove mirror route ${name}`;
      return `set mirror route${name ? ` ${name}` : ''}${
        percentage !== undefined ? ` ${percentage}%` : ''
      }`;
    }
    case 'plugin': {
      const name = asString(dig(raw, 'plugin', 'name'));
      return name ? `plugin ${name}` : 'plugin step';
    }
    default:
      return 'unknown step';
  }
}

function readSteps(
  rollout: unknown,
  progress: RolloutProgress,
): ArgoRolloutStepView[] {
  if (progress.strategy !== 'canary') return [];
  const raw = asArray(dig(rollout, 'spec', 'strategy', 'canary', 'steps'));
  const completed = progress.completedSteps ?? 0;
  // A manifest, or a Rollout the controller has not reconciled: no step runs.
  const running = isRecord(dig(rollout, 'status')) && !progress.aborted;
  return raw.map((item, index) => {
    // readRolloutProgress reads the current step; the others the same way.
    const step =
      progress.currentStep?.index === index
        ? progress.currentStep
        : readCanaryStep(item, index);
    let state: ArgoRolloutStepView['state'];
    if (index < completed) state = 'done';
    else if (index === completed && running) state = 'current';
    else state = 'pending';
    const view: ArgoRolloutStepView = {
      index,
      kind: step.kind,
      text: stepText(step),
      state,
    };
    if (step.weight !== undefined) view.weight = step.weight;
    if (step.pauseDuration !== undefined)
      view.pauseDuration = step.pauseDuration;
    return view;
  });
}

// Owned by the Rollout: its uid in an owner reference; a Rollout read from
// a file has no uid, then the owner's kind and name must match.
function ownedBy(rollout: unknown, child: unknown): boolean {
  const namespace = asString(dig(rollout, 'metadata', 'namespace'));
  if (asString(dig(child, 'metadata', 'namespace')) !== namespace) {
    return false;
  }
  const uid = asString(dig(rollout, 'metadata', 'uid'));
  const name = asString(dig(rollout, 'metadata', 'name'));
  return asArray(dig(child, 'metadata', 'ownerReferences')).some(ref =>
    uid
      ? dig(ref, 'uid') === uid
      : dig(ref, 'kind') === 'Rollout' && dig(ref, 'name') === name,
  );
}

const ROLE_ORDER: Record<ArgoReplicaSetView['role'], number> = {
  stable: 0,
  active: 0,
  canary: 1,
  preview: 1,
  old: 2,
};

function replicaSetRole(
  hash: string,
  progress: RolloutProgress,
): ArgoReplicaSetView['role'] {
  if (progress.strategy === 'blueGreen') {
    if (hash === progress.activeSelector) return 'active';
    if (hash === progress.previewSelector) return 'preview';
    if (hash === progress.stableRS) return 'stable';
    return 'old';
  }
  if (hash === progress.stableRS) return 'stable';
  if (hash === progress.currentPodHash) return 'canary';
  return 'old';
}

function readImages(replicaSet: unknown): string[] {
  const images: string[] = [];
  for (const c of asArray(
    dig(replicaSet, 'spec', 'template', 'spec', 'containers'),
  )) {
    const image = asString(dig(c, 'image'));
    if (image && !images.includes(image)) images.push(image);
  }
  return images;
}

/**
 * A ReplicaSet's pod counts as the tab shows them; Kubernetes defaults
 * spec.replicas to 1.
 *
 * @internal
 */
export function replicaSetCounts(replicaSet: unknown): {
  desired: number;
  current: number;
  ready: number;
  available: number;
} {
  return {
    desired: asNumber(dig(replicaSet, 'spec', 'replicas')) ?? 1,
    current: asNumber(dig(replicaSet, 'status', 'replicas')) ?? 0,
    ready: asNumber(dig(replicaSet, 'status', 'readyReplicas')) ?? 0,
    available: asNumber(dig(replicaSet, 'status', 'availableReplicas')) ?? 0,
  };
}

const newestFirst = (a: unknown, b: unknown) => {
  const at = (o: unknown) =>
    asString(dig(o, 'metadata', 'creationTimestamp')) ?? '';
  // RFC 3339 times in UTC compare as strings.
  return at(b).localeCompare(at(a));
};

function readReplicaSets(
  rollout: unknown,
  progress: RolloutProgress,
  replicaSets: unknown[],
): ArgoReplicaSetView[] {
  const views = replicaSets
    .filter(rs => ownedBy(rollout, rs))
    .sort(newestFirst)
    .flatMap((rs): ArgoReplicaSetView[] => {
      const name = asString(dig(rs, 'metadata', 'name'));
      if (!name) return [];
      const hash =
        asStringMap(dig(rs, 'metadata', 'labels'))[ROLLOUT_POD_TEMPLATE_HASH] ??
        '';
      const { desired, ready, available } = replicaSetCounts(rs);
      return [
        {
          name,
          podTemplateHash: hash,
          role: hash ? replicaSetRole(hash, progress) : 'old',
          images: readImages(rs),
          desired,
          ready,
          available,
        },
      ];
    });
  // Stable (or active) first, then the new revision, then the old ones,
  // newest first within each (the sort is stable).
  return views.sort((a, b) => ROLE_ORDER[a.role] - ROLE_ORDER[b.role]);
}

function readAnalysisRuns(
  rollout: unknown,
  progress: RolloutProgress,
  analysisRuns: unknown[],
): ArgoAnalysisRunView[] {
  return analysisRuns
    .filter(run => ownedBy(rollout, run))
    .sort(newestFirst)
    .flatMap((run): ArgoAnalysisRunView[] => {
      const name = asString(dig(run, 'metadata', 'name'));
      if (!name) return [];
      // The Rollout's status names its current runs; older runs still
      // carry the label Argo puts on every run it creates.
      const type = asString(dig(run, 'metadata', 'labels', 'rollout-type'));
      let origin: ArgoAnalysisRunView['origin'] = 'other';
      if (name === progress.stepAnalysis?.name) origin = 'step';
      else if (name === progress.backgroundAnalysis?.name)
        origin = 'background';
      else if (type === 'Step') origin = 'step';
      else if (type === 'Background') origin = 'background';
      const view: ArgoAnalysisRunView = { name, origin };
      const phase = asString(dig(run, 'status', 'phase'));
      const message = asString(dig(run, 'status', 'message'));
      const startedAt = asString(dig(run, 'metadata', 'creationTimestamp'));
      if (phase) view.phase = phase;
      if (message) view.message = message;
      if (startedAt) view.startedAt = startedAt;
      return [view];
    });
}

// The builders clone the Rollout for each plan; a cached Rollout object is
// the same until it changes, so its answers are kept with it.
const actionsCache = new WeakMap<object, ArgoActionAvailability[]>();

/**
 * Whether each Argo action makes sense for the Rollout now: an action is
 * available exactly when its builder makes a plan, so the tab offers what
 * the endpoint would do.
 *
 * @internal
 */
export function readArgoActions(rollout: unknown): ArgoActionAvailability[] {
  const cached = isRecord(rollout) ? actionsCache.get(rollout) : undefined;
  if (cached) return cached.map(a => ({ ...a }));
  const actions = ARGO_ROLLOUT_ACTIONS.map(action => {
    const result = buildRolloutAction(action, rollout);
    return {
      action,
      available: result.ok,
      reason: result.ok ? result.description : result.message,
      raisesCanaryShare: RAISES_CANARY_SHARE.has(action),
    };
  });
  if (isRecord(rollout)) actionsCache.set(rollout, actions);
  return actions.map(a => ({ ...a }));
}

/**
 * An Argo Rollout's own state, as the tab shows it, from the Rollout and
 * the ReplicaSets and AnalysisRuns around it (those it does not own are
 * ignored). Never throws.
 *
 */
export function readArgoRolloutState(
  rollout: unknown,
  replicaSets: unknown[] = [],
  analysisRuns: unknown[] = [],
): ArgoRolloutStateView {
  const progress = readRolloutProgress(rollout);
  const steps = readSteps(rollout, progress);
  const view: ArgoRolloutStateView = {
    resourceVersion:
      asString(dig(rollout, 'metadata', 'resourceVersion')) ?? '',
    strategy: progress.strategy ?? 'canary',
    totalSteps: progress.totalSteps,
    steps,
    pausedByUser: progress.pausedByUser,
    pauseConditions: progress.pauseConditions.map(c =>
      c.since ? { reason: c.reason, since: c.since } : { reason: c.reason },
    ),
    aborted: progress.aborted,
    promoteFull: progress.promoteFull,
    fullyPromoted: progress.fullyPromoted,
    analysisRuns: readAnalysisRuns(rollout, progress, asArray(analysisRuns)),
    replicaSets: readReplicaSets(rollout, progress, asArray(replicaSets)),
    actions: readArgoActions(rollout),
  };
  if (progress.phase) view.phase = progress.phase;
  if (progress.phaseMessage) view.message = progress.phaseMessage;
  if (progress.completedSteps !== undefined)
    view.completedSteps = progress.completedSteps;
  if (progress.abortMessage) view.abortMessage = progress.abortMessage;
  if (progress.trafficWeights) view.trafficWeights = progress.trafficWeights;
  return view;
}
