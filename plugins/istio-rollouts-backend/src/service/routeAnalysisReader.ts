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

import { AuthService } from '@backstage/backend-plugin-api';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { RouteAnalysisReader } from './PromotionRequestService';
import { RolloutViewService } from './RolloutViewService';

/**
 * Reads the canary analysis of a promotion request's route. The entity is
 * read with the plugin's own credentials: every caller (listing, approving,
 * rejecting) has been authorized on the entity already, and the analysis
 * says nothing its view does not.
 */
export function routeAnalysisReader(options: {
  catalog: CatalogService;
  auth: AuthService;
  views: RolloutViewService;
}): RouteAnalysisReader {
  const { catalog, auth, views } = options;
  return async (entityRef, target) => {
    const entity = await catalog.getEntityByRef(entityRef, {
      credentials: await auth.getOwnServiceCredentials(),
    });
    return entity ? views.routeAnalysis(entity, target) : undefined;
  };
}
