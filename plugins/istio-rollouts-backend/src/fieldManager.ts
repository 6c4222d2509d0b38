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

/**
 * The field manager every write of this plugin is recorded under (server-side
 * `managedFields`): route patches, Deployment scales, Rollout and Canary
 * actions alike. It names the plugin, not a mesh, so it lives outside
 * traffic/istio/ (issue 14): the services use it to scale workloads and to
 * tell the plugin's own writes from others', and every TrafficRouter writes
 * its routing objects under it, so the audit's "who wrote this" works for
 * any route kind.
 */
export const FIELD_MANAGER = 'backstage-istio-rollouts';
