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
  createApiFactory,
  createComponentExtension,
  createPlugin,
  createRoutableExtension,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import { istioRolloutsApiRef } from './api/IstioRolloutsApi';
import { IstioRolloutsClient } from './api/IstioRolloutsClient';
import { auditRouteRef, releasesRouteRef, rootRouteRef } from './routes';

/**
 * The Istio Rollouts frontend plugin.
 *
 * @public
 */
export const istioRolloutsPlugin = createPlugin({
  id: 'istio-rollouts',
  apis: [
    createApiFactory({
      api: istioRolloutsApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new IstioRolloutsClient({ discoveryApi, fetchApi }),
    }),
  ],
  routes: {
    root: rootRouteRef,
    audit: auditRouteRef,
    releases: releasesRouteRef,
  },
});

/**
 * The "Istio Rollouts" entity tab. Mount it in an `EntityLayout.Route`
 * guarded by `isIstioRolloutsAvailable`.
 *
 * @public
 */
export const EntityIstioRolloutsContent = istioRolloutsPlugin.provide(
  createRoutableExtension({
    name: 'EntityIstioRolloutsContent',
    component: () =>
      import('./components/IstioRolloutsContent').then(
        m => m.IstioRolloutsContent,
      ),
    mountPoint: rootRouteRef,
  }),
);

/**
 * A compact card for the entity overview page: each route's strategy and
 * traffic split.
 *
 * @public
 */
export const EntityIstioRolloutsCard = istioRolloutsPlugin.provide(
  createComponentExtension({
    name: 'EntityIstioRolloutsCard',
    component: {
      lazy: () =>
        import('./components/IstioRolloutsOverviewCard').then(
          m => m.IstioRolloutsOverviewCard,
        ),
    },
  }),
);

/**
 * The release audit: every traffic change across services, filterable and
 * exportable. Mount it on a route of its own (e.g. `/istio-rollouts-audit`);
 * it needs the `istio-rollouts.audit.read` permission.
 *
 * @public
 */
export const IstioRolloutsAuditPage = istioRolloutsPlugin.provide(
  createRoutableExtension({
    name: 'IstioRolloutsAuditPage',
    component: () => import('./components/AuditPage').then(m => m.AuditPage),
    mountPoint: auditRouteRef,
  }),
);

/**
 * The releases in flight: every route, across clusters, half-way through a
 * release, with its service, owner, age and whether it has gone stale.
 * Mount it on a route of its own (e.g. `/istio-rollouts-releases`); every
 * signed-in user may open it and sees the routes of the entities they may
 * read (platform teams, with `istio-rollouts.audit.read`, see all).
 *
 * @public
 */
export const IstioRolloutsReleasesPage = istioRolloutsPlugin.provide(
  createRoutableExtension({
    name: 'IstioRolloutsReleasesPage',
    component: () =>
      import('./components/ReleasesPage').then(m => m.ReleasesPage),
    mountPoint: releasesRouteRef,
  }),
);
