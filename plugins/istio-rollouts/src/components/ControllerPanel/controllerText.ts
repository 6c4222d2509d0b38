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
  FLAGGER_GATES,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import type {
  ArgoRolloutAction,
  ControllerAction,
  ControllerTarget,
  FlaggerGate,
} from '@istio-rollouts/plugin-istio-rollouts-common';

// How controller actions read, in the panel, the requests card and the
// history, so that one action is described the same way everywhere.

/** Button labels of the Argo actions: applied, and asked of the owners. */
export const ARGO_ACTION_LABELS: Record<
  ArgoRolloutAction,
  { apply: string; request: string }
> = {
  promote: { apply: 'Promote', request: 'Request promotion' },
  'promote-full': {
    apply: 'Promote fully',
    request: 'Request full promotion',
  },
  abort: { apply: 'Abort', request: 'Abort' },
  retry: { apply: 'Retry', request: 'Request retry' },
  pause: { apply: 'Pause', request: 'Pause' },
  resume: { apply: 'Resume', request: 'Request resume' },
};

/** What an Argo action does, naming the Rollout when `name` is given. */
function argoSentence(action: ArgoRolloutAction, name?: string): string {
  const rollout = name ? `Rollout ${name}` : 'Rollout';
  switch (action) {
    case 'promote':
      return `Promote ${rollout} one step`;
    case 'promote-full':
      return `Promote ${rollout} fully`;
    case 'abort':
      return `Abort ${rollout}`;
    case 'retry':
      return `Retry ${rollout}`;
    case 'pause':
      return `Pause ${rollout}`;
    case 'resume':
      return `Resume ${rollout}`;
    default:
      return `${String(action)} ${rollout}`;
  }
}

/**
 * `Promote Rollout storefront one step`, `Open Flagger gate
 * confirm-promotion for podinfo`, `Roll back Flagger canary podinfo`.
 */
export function describeControllerAction(
  target: Pick<ControllerTarget, 'name'>,
  action: ControllerAction,
): string {
  switch (action.type) {
    case 'argo':
      return argoSentence(action.action, target.name);
    case 'flagger-open-gate':
      return `Open Flagger gate ${action.gate} for ${target.name}`;
    case 'flagger-rollback':
      return `Roll back Flagger canary ${target.name}`;
    default:
      return 'Controller action';
  }
}

const ARGO_RECORD_ACTIONS = new Set<string>(ARGO_ROLLOUT_ACTIONS);
const GATES = new Set<string>(FLAGGER_GATES);

/**
 * Reads an audit action id of a controller action back as a
 * {@link ControllerAction}: `argo-promote`, `argo-promote-full`, …,
 * `flagger-rollback`, `flagger-open-gate` (gate unknown), or with the gate
 * named: `flagger-open-gate:confirm-promotion` or `flagger-confirm-promotion`.
 * Undefined for every other action.
 */
export function parseControllerAuditAction(
  action: string,
): { action: ControllerAction | undefined; label: string } | undefined {
  if (action.startsWith('argo-')) {
    const argo = action.slice('argo-'.length);
    if (!ARGO_RECORD_ACTIONS.has(argo)) return undefined;
    return {
      action: { type: 'argo', action: argo as ArgoRolloutAction },
      label: argoSentence(argo as ArgoRolloutAction),
    };
  }
  if (!action.startsWith('flagger-')) return undefined;
  const rest = action.slice('flagger-'.length);
  if (rest === 'rollback') {
    return {
      action: { type: 'flagger-rollback' },
      label: 'Roll back Flagger canary',
    };
  }
  const gate = rest.startsWith('open-gate')
    ? rest.slice('open-gate'.length).replace(/^[:/-]/, '')
    : rest;
  if (gate === '') return { action: undefined, label: 'Open Flagger gate' };
  if (!GATES.has(gate) || gate === 'rollback') return undefined;
  return {
    action: {
      type: 'flagger-open-gate',
      gate: gate as Exclude<FlaggerGate, 'rollback'>,
    },
    label: `Open Flagger gate ${gate}`,
  };
}

/**
 * The object of an audit record of a controller action, when the record
 * names it as a workload (`Rollout/storefront`, `Canary/podinfo`).
 */
export function controllerObjectOf(record: {
  workload?: string;
}): { kind: 'Rollout' | 'Canary'; name: string } | undefined {
  const match = record.workload?.match(/^(Rollout|Canary)\/(.+)$/);
  return match
    ? { kind: match[1] as 'Rollout' | 'Canary', name: match[2] }
    : undefined;
}
