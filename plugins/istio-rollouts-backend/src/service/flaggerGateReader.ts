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

import type { FlaggerCanaryStateView } from '@istio-rollouts/plugin-istio-rollouts-common';

/**
 * Adds to a Canary's state what only the plugin knows: which of the gates
 * it serves are open, who opened them and when, and when Flagger last
 * called them. The rollout view applies it to every Flagger-driven
 * VirtualService; the gate service implements it.
 */
export interface FlaggerGateReader {
  /** Fills gates[].open/openedBy/openedAt/lastCalledAt, revision and waitingAt (confirm-traffic-increase). */
  describe(
    cluster: string,
    canary: unknown,
    state: FlaggerCanaryStateView,
  ): Promise<FlaggerCanaryStateView>;
}
