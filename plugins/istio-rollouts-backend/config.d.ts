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

export interface Config {
  /** Configuration of the Istio Rollouts plugin. */
  istioRollouts?: {
    /**
     * Groups (entity refs, e.g. `group:default/platform`) whose members may
     * perform every Istio Rollouts action on every entity and read the audit.
     * Read by the policy module that ships with the demo backend.
     */
    platformGroups?: string[];
    /**
     * After a write to a VirtualService tracked by Argo CD or Flux, how many
     * seconds to watch it for a revert before answering (default 3).
     */
    driftWatchSeconds?: number;
  };
}
