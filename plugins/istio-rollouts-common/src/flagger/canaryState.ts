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
  FLAGGER_GATES,
  FlaggerCanaryStateView,
  FlaggerGate,
  FlaggerGateView,
} from '../controllers';
import { asArray, asNumber, asString, dig } from '../kube/guards';

// A Flagger Canary's own state as the tab shows it, from the Canary alone
// (flagger.app/v1beta1 CanaryStatus). What only the plugin's database
// knows (whether a gate is open, when Flagger last called it, the revision
// it asked for) is filled in by the backend's gate service. Never throws.

/**
 * The path under which the plugin serves Flagger's webhooks:
 * `{backend}/api/istio-rollouts/flagger/<cluster>/<gate>?token=…`.
 *
 * @internal
 */
export const FLAGGER_WEBHOOK_PATH = '/api/istio-rollouts/flagger/';

// The phases in which Flagger waits for a gate it calls (CanaryPhaseWaiting
// before the rollout starts, CanaryPhaseWaitingPromotion before it promotes).
// Waiting for confirm-traffic-increase leaves the phase at Progressing.
const WAITING_PHASES = new Map<string, FlaggerCanaryStateView['waitingAt']>([
  ['Waiting', 'confirm-rollout'],
  ['WaitingPromotion', 'confirm-promotion'],
]);

function isGate(type: unknown): type is FlaggerGate {
  return (FLAGGER_GATES as readonly unknown[]).includes(type);
}

/**
 * Whether a webhook URL points to the plugin. Only the path counts: the
 * backend's address depends on how Flagger reaches it.
 *
 * @internal
 */
export function servedByPlugin(url: string | undefined): boolean {
  if (!url) return false;
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return false;
  }
  return path.includes(FLAGGER_WEBHOOK_PATH);
}

function readGates(canary: unknown): FlaggerGateView[] {
  return asArray(dig(canary, 'spec', 'analysis', 'webhooks')).flatMap(
    (webhook): FlaggerGateView[] => {
      const type = dig(webhook, 'type');
      const name = asString(dig(webhook, 'name'));
      if (!isGate(type) || !name) return [];
      return [
        {
          gate: type,
          name,
          servedByPlugin: servedByPlugin(asString(dig(webhook, 'url'))),
          open: false,
        },
      ];
    },
  );
}

/**
 * A Flagger Canary's own state, as far as the Canary tells it: phase,
 * weight, checks, and the webhooks of the gate types (all closed; the
 * backend's gate service says which are open).
 *
 */
export function readFlaggerCanaryState(
  canary: unknown,
): FlaggerCanaryStateView {
  const status = dig(canary, 'status');
  const view: FlaggerCanaryStateView = {
    resourceVersion: asString(dig(canary, 'metadata', 'resourceVersion')) ?? '',
    gates: readGates(canary),
  };
  const phase = asString(dig(status, 'phase'));
  const promoted = asArray(dig(status, 'conditions')).find(
    c => dig(c, 'type') === 'Promoted',
  );
  const fields: Partial<FlaggerCanaryStateView> = {
    phase,
    canaryWeight: asNumber(dig(status, 'canaryWeight')),
    iterations: asNumber(dig(status, 'iterations')),
    failedChecks: asNumber(dig(status, 'failedChecks')),
    threshold: asNumber(dig(canary, 'spec', 'analysis', 'threshold')),
    message: asString(dig(promoted, 'message')),
    lastTransitionTime: asString(dig(status, 'lastTransitionTime')),
    waitingAt: phase ? WAITING_PHASES.get(phase) : undefined,
  };
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined)
      (view as unknown as Record<string, unknown>)[key] = value;
  }
  return view;
}
