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
import { SvgIcon } from '@material-ui/core';
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

// The app's navigation lists every page with a title and an icon. The
// icons are Material's Assignment and Timeline, drawn with the core
// package's SvgIcon rather than adding @material-ui/icons for two paths.
const auditIcon = (
  <SvgIcon fontSize="inherit">
    <path d="M19 3h-4.18C14.4 1.84 13.3 1 12 1c-1.3 0-2.4.84-2.82 2H5c-1.1 0-2 .9-2 2v14c0 1.1.9 2 2 2h14c1.1 0 2-.9 2-2V5c0-1.1-.9-2-2-2zm-7 0c.55 0 1 .45 1 1s-.45 1-1 1-1-.45-1-1 .45-1 1-1zm2 14H7v-2h7v2zm3-4H7v-2h10v2zm0-4H7V7h10v2z" />
  </SvgIcon>
);

const releasesIcon = (
  <SvgIcon fontSize="inherit">
    <path d="M23 8c0 1.1-.9 2-2 2-.18 0-.35-.02-.51-.07l-3.56 3.55c.05.16.07.34.07.52 0 1.1-.9 2-2 2s-2-.9-2-2c0-.18.02-.36.07-.52l-2.55-2.55c-.16.05-.34.07-.52.07s-.36-.02-.52-.07l-4.55 4.56c.05.16.07.33.07.51 0 1.1-.9 2-2 2s-2-.9-2-2 .9-2 2-2c.18 0 .35.02.51.07l4.56-4.55C8.02 9.36 8 9.18 8 9c0-1.1.9-2 2-2s2 .9 2 2c0 .18-.02.36-.07.52l2.55 2.55c.16-.05.34-.07.52-.07s.36.02.52.07l3.55-3.56C19.02 8.35 19 8.18 19 8c0-1.1.9-2 2-2s2 .9 2 2z" />
  </SvgIcon>
);

const auditRouteRef = createRouteRef();

// The page draws its own header (title, subtitle), as in the legacy app.
const istioRolloutsAuditPage = PageBlueprint.make({
  name: 'audit',
  params: {
    path: '/istio-rollouts-audit',
    title: 'Release audit',
    icon: auditIcon,
    routeRef: auditRouteRef,
    noHeader: true,
    loader: () => import('./components/AuditPage').then(m => <m.AuditPage />),
  },
});

const releasesRouteRef = createRouteRef();

// Open to every signed-in user: the backend lists the routes they may see.
const istioRolloutsReleasesPage = PageBlueprint.make({
  name: 'releases',
  params: {
    path: '/istio-rollouts-releases',
    title: 'Releases in flight',
    icon: releasesIcon,
    routeRef: releasesRouteRef,
    noHeader: true,
    loader: () =>
      import('./components/ReleasesPage').then(m => <m.ReleasesPage />),
  },
});

/**
 * Istio Rollouts for Backstage's new frontend system: the entity tab, the
 * overview card, the release audit and releases-in-flight pages and the API
 * client.
 *
 * @alpha
 */
export default createFrontendPlugin({
  pluginId: 'istio-rollouts',
  routes: { audit: auditRouteRef, releases: releasesRouteRef },
  extensions: [
    istioRolloutsApi,
    istioRolloutsEntityContent,
    istioRolloutsEntityCard,
    istioRolloutsAuditPage,
    istioRolloutsReleasesPage,
  ],
});
