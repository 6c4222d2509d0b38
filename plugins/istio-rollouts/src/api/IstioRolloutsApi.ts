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

import { CompoundEntityRef } from '@backstage/catalog-model';
import { createApiRef } from '@backstage/core-plugin-api';
import type {
  EntityRolloutView,
  RouteActionRequest,
  RouteActionResult,
  ScaleRequest,
  ScaleResult,
} from '@istio-rollouts/plugin-istio-rollouts-common';

/**
 * The backend's answer to a health check.
 *
 * @public
 */
export interface IstioRolloutsHealth {
  status: string;
}

/**
 * Client of the Istio Rollouts backend.
 *
 * @public
 */
export interface IstioRolloutsApi {
  /** Whether the backend plugin is installed and answering. */
  getHealth(): Promise<IstioRolloutsHealth>;
  /** The entity's VirtualServices, routes, versions and split, per cluster. */
  getEntityView(entity: CompoundEntityRef): Promise<EntityRolloutView>;
  /** Changes one route (or, with dryRun, returns the patch it would send). */
  applyRouteAction(
    entity: CompoundEntityRef,
    request: RouteActionRequest,
  ): Promise<RouteActionResult>;
  /** Scales one version's Deployment. */
  scaleVersion(
    entity: CompoundEntityRef,
    request: ScaleRequest,
  ): Promise<ScaleResult>;
}

/**
 * Reference to the {@link IstioRolloutsApi}; override it to customise the client.
 *
 * @public
 */
export const istioRolloutsApiRef = createApiRef<IstioRolloutsApi>({
  id: 'plugin.istio-rollouts.service',
});

/**
 * The signal channel on which the backend announces changed objects.
 *
 * @public
 */
export const ISTIO_ROLLOUTS_SIGNAL_CHANNEL = 'istio-rollouts:changes';
