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

// Wire types for acting on releases that a controller (Argo Rollouts,
// Flagger) drives: what the rollout view shows of the controller's own
// state, and the body/answer of the controller actions endpoint. The
// controllers keep owning the VirtualService; the plugin writes only where
// each controller expects people to write (a Rollout's spec.paused and
// status, Flagger's webhook gates).

/**
 * Argo Rollouts actions, as its kubectl plugin names them.
 *
 * @public
 */
export const ARGO_ROLLOUT_ACTIONS = [
  'promote',
  'promote-full',
  'abort',
  'retry',
  'pause',
  'resume',
] as const;

/**
 * One of {@link ARGO_ROLLOUT_ACTIONS}.
 *
 * @public
 */
export type ArgoRolloutAction = (typeof ARGO_ROLLOUT_ACTIONS)[number];

/**
 * Flagger's webhook gates that wait for a person: Flagger calls them and
 * goes on only when the answer is 2xx. `rollback` is the other way round:
 * a 2xx makes Flagger roll the canary back.
 *
 * @public
 */
export const FLAGGER_GATES = [
  'confirm-rollout',
  'confirm-traffic-increase',
  'confirm-promotion',
  'rollback',
] as const;

/**
 * One of {@link FLAGGER_GATES}.
 *
 * @public
 */
export type FlaggerGate = (typeof FLAGGER_GATES)[number];

/**
 * The controller object an action is aimed at.
 *
 * @public
 */
export interface ControllerTarget {
  cluster: string;
  namespace: string;
  kind: 'Rollout' | 'Canary';
  name: string;
}

/**
 * One canary step of a Rollout, for the steps list.
 *
 * @public
 */
export interface ArgoRolloutStepView {
  index: number;
  /** setWeight, pause, analysis, experiment, setCanaryScale, setHeaderRoute, setMirrorRoute, plugin, unknown. */
  kind: string;
  /** setWeight: the canary's percentage. */
  weight?: number;
  /** pause: the duration as written; absent = until promoted. */
  pauseDuration?: string | number;
  /** For people, e.g. "set weight 20%", "pause until promoted", "pause 10m". */
  text: string;
  state: 'done' | 'current' | 'pending';
}

/**
 * A ReplicaSet of a Rollout, with its own pod counts.
 *
 * @public
 */
export interface ArgoReplicaSetView {
  name: string;
  /** rollouts-pod-template-hash. */
  podTemplateHash: string;
  /** stable: status.stableRS; canary (or preview): the current spec's; old: neither. */
  role: 'stable' | 'canary' | 'preview' | 'active' | 'old';
  images: string[];
  desired: number;
  ready: number;
  available: number;
}

/**
 * An AnalysisRun of a Rollout.
 *
 * @public
 */
export interface ArgoAnalysisRunView {
  name: string;
  /** Pending, Running, Successful, Failed, Error, Inconclusive. */
  phase?: string;
  message?: string;
  /** step: run by an analysis step; background: the canary's background analysis; other: pre/post-promotion or unknown. */
  origin: 'step' | 'background' | 'other';
  /** ISO time the run was created. */
  startedAt?: string;
}

/**
 * Whether one Argo action makes sense now, and what it would do.
 *
 * @public
 */
export interface ArgoActionAvailability {
  action: ArgoRolloutAction;
  /** False: the controller's state makes it meaningless (e.g. promote while aborted). */
  available: boolean;
  /** Why it is not available, or what it does, for a tooltip. */
  reason: string;
  /** It moves traffic towards the new version: subject to requests and approvals. */
  raisesCanaryShare: boolean;
}

/**
 * An Argo Rollout's own state, as the tab shows it.
 *
 * @public
 */
export interface ArgoRolloutStateView {
  resourceVersion: string;
  strategy: 'canary' | 'blueGreen';
  /** Healthy, Progressing, Paused, Degraded. */
  phase?: string;
  message?: string;
  /** Steps done out of total, as `kubectl argo rollouts get` prints it. */
  completedSteps?: number;
  totalSteps: number;
  steps: ArgoRolloutStepView[];
  /** spec.paused (a person paused it). */
  pausedByUser: boolean;
  /** Why the controller paused, and since when (ISO). */
  pauseConditions: Array<{ reason: string; since?: string }>;
  aborted: boolean;
  abortMessage?: string;
  promoteFull: boolean;
  fullyPromoted: boolean;
  /** The weights the controller last set. */
  trafficWeights?: { canary: number; stable: number };
  analysisRuns: ArgoAnalysisRunView[];
  replicaSets: ArgoReplicaSetView[];
  actions: ArgoActionAvailability[];
}

/**
 * One webhook of a Canary that the plugin can answer (or that another
 * service answers), with what the plugin knows of it.
 *
 * @public
 */
export interface FlaggerGateView {
  gate: FlaggerGate;
  /** The webhook's name in the Canary. */
  name: string;
  /** The plugin serves this webhook (its URL points to the plugin). */
  servedByPlugin: boolean;
  /** ISO time Flagger last called it for the current revision (served ones only). */
  lastCalledAt?: string;
  /** The gate answers 2xx now (rollback: a rollback was asked for). */
  open: boolean;
  openedBy?: string;
  openedAt?: string;
}

/**
 * A Flagger Canary's own state, as the tab shows it.
 *
 * @public
 */
export interface FlaggerCanaryStateView {
  resourceVersion: string;
  /** Initializing, Initialized, Waiting, Progressing, WaitingPromotion, Promoting, Finalising, Succeeded, Failed, Terminating, Terminated. */
  phase?: string;
  canaryWeight?: number;
  iterations?: number;
  failedChecks?: number;
  /** Analysis threshold: failed checks before Flagger rolls back. */
  threshold?: number;
  /** status.conditions[Promoted].message. */
  message?: string;
  lastTransitionTime?: string;
  /** The checksum Flagger sends to webhooks (status.lastAppliedSpec + tracked configs), when known. */
  revision?: string;
  gates: FlaggerGateView[];
  /** The gate Flagger is waiting at now, if any. */
  waitingAt?: Exclude<FlaggerGate, 'rollback'>;
}

/**
 * What a person asks a controller to do.
 *
 * @public
 */
export type ControllerAction =
  | { type: 'argo'; action: ArgoRolloutAction }
  | { type: 'flagger-open-gate'; gate: Exclude<FlaggerGate, 'rollback'> }
  | { type: 'flagger-rollback' };

/**
 * Body of `POST /entities/:namespace/:kind/:name/controller-actions`.
 *
 * @public
 */
export interface ControllerActionRequest {
  target: ControllerTarget;
  action: ControllerAction;
  /** Check everything and return what would be written, changing nothing. */
  dryRun?: boolean;
  reason?: string;
}

/**
 * Answer of the controller actions endpoint.
 *
 * @public
 */
export interface ControllerActionResult {
  dryRun: boolean;
  /** What the action does, for people. */
  description: string;
  /** Argo: the JSON patches sent (or to send), in order, with their subresource. */
  patches?: Array<{ subresource?: 'status'; patch: unknown[] }>;
  resourceVersionBefore: string;
  resourceVersionAfter?: string;
}

/**
 * Answer of `GET /entities/:namespace/:kind/:name/flagger-webhooks`: the
 * URLs (with the Canary's token) to put in its `spec.analysis.webhooks`,
 * one per gate the plugin serves. Shown to those who may apply releases.
 *
 * @public
 */
export interface FlaggerWebhooksResponse {
  webhooks: Array<{ gate: FlaggerGate; url: string }>;
}
