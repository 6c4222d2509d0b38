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
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { istioRolloutsPermissions } from '@istio-rollouts/plugin-istio-rollouts-common';
import { createRouter } from './service/router';

/**
 * The Istio Rollouts backend plugin: reads Istio routing for catalog
 * entities and moves traffic under catalog-based permissions.
 *
 * @public
 */
export const istioRolloutsPlugin = createBackendPlugin({
  pluginId: 'istio-rollouts',
  register(env) {
    env.registerInit({
      deps: {
        httpRouter: coreServices.httpRouter,
        logger: coreServices.logger,
        permissionsRegistry: coreServices.permissionsRegistry,
      },
      async init({ httpRouter, logger, permissionsRegistry }) {
        // Resource permissions on catalog-entity: the catalog owns that
        // resource type, so we only register the permissions themselves.
        permissionsRegistry.addPermissions(istioRolloutsPermissions);

        httpRouter.use(await createRouter({ logger }));
        httpRouter.addAuthPolicy({ path: '/health', allow: 'unauthenticated' });
      },
    });
  },
});
