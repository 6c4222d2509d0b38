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
  ApiBlueprint,
  PageBlueprint,
  createFrontendPlugin,
  createRouteRef,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/frontend-plugin-api';
import {
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import { isIstioRolloutsAvailable } from '@istio-rollouts/plugin-istio-rollouts-common';
import { istioRolloutsApiRef } from './api/IstioRolloutsApi';
import { IstioRolloutsClient } from './api/IstioRolloutsClient';

const istioRolloutsApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: istioRolloutsApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new IstioRolloutsClient({ discoveryApi, fetchApi }),
    }),
});

const istioRolloutsEntityContent = EntityContentBlueprint.make({
  params: {
    path: '/istio-rollouts',
    title: 'Istio Rollouts',
    filter: isIstioRolloutsAvailable,
    loader: () =>
      import('./components/IstioRolloutsContent').then(m => (
        <m.IstioRolloutsContent />
      )),
  },
});

const istioRolloutsEntityCard = EntityCardBlueprint.make({
  params: {
    filter: isIstioRolloutsAvailable,
    loader: () =>
      import('./components/IstioRolloutsOverviewCard').then(m => (
        <m.IstioRolloutsOverviewCard />
      )),
  },
});

const auditRouteRef = createRouteRef();

// The page draws its own header (title, subtitle), as in the legacy app.
const istioRolloutsAuditPage = PageBlueprint.make({
  name: 'audit',
  params: {
    path: '/istio-rollouts-audit',
    title: 'Release audit',
    routeRef: auditRouteRef,
    noHeader: true,
    loader: () => import('./components/AuditPage').then(m => <m.AuditPage />),
  },
});

/**
 * Istio Rollouts for Backstage's new frontend system: the entity tab, the
 * overview card, the release audit page and the API client.
 *
 * @alpha
 */
export default createFrontendPlugin({
  pluginId: 'istio-rollouts',
  routes: { audit: auditRouteRef },
  extensions: [
    istioRolloutsApi,
    istioRolloutsEntityContent,
    istioRolloutsEntityCard,
    istioRolloutsAuditPage,
  ],
});
