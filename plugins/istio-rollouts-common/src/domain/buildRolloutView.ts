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
  MatchRuleView,
  NonHttpRouteView,
  RouteView,
  VirtualServiceView,
} from '../types';
import { ClusterObjects } from '../kube/types';
import { VirtualServiceModel } from '../kube/readIstio';
import {
  classifyRoute,
  everyoneElse,
  RouteClassification,
} from './classifyRoute';
import { findController, managedByWarning } from './controllers';
import { findTrackers, trackerWarnings } from './gitops';
import { flattenMatch } from './matchRules';
import { indexClusterObjects, ObjectIndex } from './objectIndex';
import { mainShare, readRouteTraffic, RouteTraffic } from './routeTraffic';
import { routeShapeWarnings, versionWarnings } from './routeWarnings';
import { VersionCatalog } from './versions';
import { virtualServiceWarnings } from './virtualServiceWarnings';

// A match with an empty entry matches every request, like no match at all.
const isCatchAll = (match: MatchRuleView[][]) =>
  match.length === 0 || match.some(entry => entry.length === 0);

function buildView(
  index: ObjectIndex,
  vs: VirtualServiceModel,
): VirtualServiceView {
  const { namespace, name } = vs.meta;
  const ref = `${namespace}/${name}`;
  const catalog = new VersionCatalog(index, namespace);
  // Register every version first, so labels are final (made unique) before
  // any explanation or warning quotes them.
  for (const route of [...vs.http, ...vs.tcp, ...vs.tls]) {
    route.destinations.forEach(d => catalog.add(d.host, d.subset));
  }
  vs.http.forEach(r => r.mirrors.forEach(m => catalog.add(m.host, m.subset)));
  const versions = catalog.list().map(v => v.view);

  const ownership = findController(index, vs, { state: true });
  const where = (i: number, routeName?: string) =>
    `VirtualService ${ref}, route ${routeName ? `'${routeName}'` : i}`;
  const matches = vs.http.map(r => flattenMatch(r.match));
  const traffic: RouteTraffic[] = vs.http.map(r =>
    readRouteTraffic(r.destinations, catalog, where(r.index, r.name)),
  );
  const catchAll = vs.http.findIndex((_r, i) => isCatchAll(matches[i]));
  const baseline =
    catchAll >= 0
      ? catchAll
      : traffic.map(t => t.destinations.length > 0).lastIndexOf(true);
  const baselineKey =
    baseline >= 0
      ? mainShare(traffic[baseline].shares.filter(s => s.weight > 0))?.key
      : undefined;

  const classes: RouteClassification[] = vs.http.map((route, i) =>
    classifyRoute({
      route,
      match: matches[i],
      traffic: traffic[i],
      baselineKey,
      isBaseline: i === baseline,
      catalog,
      ownership,
    }),
  );
  const anyTargeted = classes.some(c => c.strategy === 'targeted');

  const routes: RouteView[] = vs.http.map((route, i) => {
    const { strategy } = classes[i];
    let { explanation } = classes[i];
    if (
      anyTargeted &&
      i === catchAll &&
      !['unknown', 'managed', 'targeted'].includes(strategy)
    ) {
      explanation = everyoneElse(explanation);
    }
    const at = where(i, route.name);
    const usage = [
      ...traffic[i].shares,
      ...route.mirrors.map(m => ({
        key: catalog.add(m.host, m.subset),
        weight: 0,
        mirror: true,
      })),
    ];
    const view: RouteView = {
      index: i,
      match: matches[i],
      destinations: traffic[i].destinations,
      strategy,
      explanation,
      warnings: [
        ...traffic[i].warnings,
        ...versionWarnings(catalog, usage, at),
        ...routeShapeWarnings(
          route,
          matches[i],
          catchAll >= 0 && i > catchAll ? catchAll : undefined,
          at,
        ),
      ],
    };
    if (route.name) view.name = route.name;
    const mirror = route.mirrors[0];
    if (mirror) {
      view.mirror = {
        versionKey: catalog.add(mirror.host, mirror.subset),
        host: mirror.host,
        percentage: mirror.percentage,
      };
      if (mirror.subset) view.mirror.subset = mirror.subset;
    }
    if (route.delegate) view.delegate = route.delegate;
    return view;
  });

  const nonHttpRoutes: NonHttpRouteView[] = [...vs.tcp, ...vs.tls].map(r => ({
    protocol: r.protocol,
    index: r.index,
    destinations: readRouteTraffic(r.destinations, catalog, '').destinations,
  }));

  const warnings = virtualServiceWarnings(index, vs, ref);
  if (ownership) {
    warnings.push(
      managedByWarning(`VirtualService ${ref}`, ownership.managedBy),
    );
  }
  const trackedBy = findTrackers(vs.meta);
  warnings.push(...trackerWarnings(vs.meta, trackedBy));

  const view: VirtualServiceView = {
    namespace,
    name,
    apiVersion: vs.apiVersion,
    resourceVersion: vs.meta.resourceVersion,
    hosts: vs.hosts,
    gateways: vs.gateways,
    versions,
    routes,
    nonHttpRoutes,
    warnings,
  };
  if (ownership) view.managedBy = ownership.managedBy;
  if (trackedBy.length) view.trackedBy = trackedBy;
  return view;
}

/**
 * Builds the rollout view of every VirtualService in a bag of cluster
 * objects: per route the destinations and weights, the versions with their
 * workloads, the strategy with a one-line explanation, and warnings. Pure,
 * and never throws: odd input yields warnings, not exceptions.
 *
 * @public
 */
export function buildVirtualServiceViews(
  objects: ClusterObjects,
): VirtualServiceView[] {
  const index = indexClusterObjects(objects);
  return index.virtualServices.map(vs => {
    try {
      return buildView(index, vs);
    } catch (error) {
      // A bug here must cost one VirtualService its details, not the page.
      return {
        namespace: vs.meta.namespace,
        name: vs.meta.name,
        apiVersion: vs.apiVersion,
        resourceVersion: vs.meta.resourceVersion,
        hosts: vs.hosts,
        gateways: vs.gateways,
        versions: [],
        routes: [],
        nonHttpRoutes: [],
        warnings: [
          {
            code: 'view-failed',
            severity: 'error',
            message: `VirtualService ${vs.meta.namespace}/${
              vs.meta.name
            } could not be read: ${String(error)}`,
          },
        ],
      };
    }
  });
}
