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

import { MatchRuleView, RouteView, VirtualServiceView } from '../types';
import { HttpRouteModel, VirtualServiceModel } from '../kube/readIstio';
import {
  classifyRoute,
  everyoneElse,
  RouteClassification,
} from '../domain/classifyRoute';
import { findController } from '../domain/controllers';
import { argoGatewayOwnership } from './argoGatewayApi';
import { findTrackers } from '../domain/gitops';
import { indexClusterObjects, ObjectIndex } from '../domain/objectIndex';
import { mainShare, RouteTraffic } from '../domain/routeTraffic';
import { versionWarnings } from '../domain/routeWarnings';
import { VersionCatalog } from '../domain/versions';
import {
  flattenHttpRouteMatches,
  shadowedRules,
  shadowWarning,
} from './httpRouteMatches';
import {
  backendHost,
  backendLabel,
  backendWarnings,
  filterWarnings,
  isOtherKind,
  readRuleTraffic,
} from './httpRouteRules';
import { parentsOf, routeWarnings } from './httpRouteObject';
import { GatewayHttpRouteModel, readHttpRoutes } from './readHttpRoute';
import { HttpRouteClusterObjects } from './types';

// A match with an empty entry matches every request, like no match at all.
const isCatchAll = (match: MatchRuleView[][]) =>
  match.length === 0 || match.some(entry => entry.length === 0);

// The shape the VirtualService classifier and controller lookup read: one
// http route per rule, destinations as registered in the catalog.
function asVirtualService(
  route: GatewayHttpRouteModel,
  traffic: RouteTraffic[],
): VirtualServiceModel {
  const ns = route.meta.namespace;
  const http: HttpRouteModel[] = route.rules.map((rule, i) => ({
    index: rule.index,
    name: rule.name,
    match: [],
    destinations: traffic[i].destinations.map(d => ({
      host: d.host,
      port: d.port,
      weight: d.weight,
    })),
    mirrors: rule.mirrors.map(m => ({
      host: backendHost(m, ns),
      port: m.port,
      percentage: m.percentage,
    })),
    redirect: rule.redirect,
    directResponse: false,
  }));
  return {
    meta: route.meta,
    apiVersion: route.apiVersion,
    hosts: [],
    gateways: [],
    http,
    tcp: [],
    tls: [],
    problems: [],
  };
}

function buildView(
  index: ObjectIndex,
  route: GatewayHttpRouteModel,
): VirtualServiceView {
  const { namespace, name } = route.meta;
  const ref = `${namespace}/${name}`;
  const catalog = new VersionCatalog(index, namespace);
  // Register every version first, so labels are final before any
  // explanation or warning quotes them.
  const others = new Map<string, string>();
  for (const rule of route.rules) {
    for (const b of [...rule.backends, ...rule.mirrors]) {
      const key = catalog.add(backendHost(b, namespace), undefined);
      if (isOtherKind(b)) others.set(key, backendLabel(b));
    }
  }
  const versions = catalog.list().map(v => {
    const label = others.get(v.view.key);
    if (label) v.view.label = label;
    return v.view;
  });

  const where = (i: number, ruleName?: string) =>
    `HTTPRoute ${ref}, rule ${ruleName ? `'${ruleName}'` : i}`;
  const matches = route.rules.map(r => flattenHttpRouteMatches(r.matches));
  const traffic = route.rules.map(r =>
    readRuleTraffic(r, catalog, namespace, where(r.index, r.name)),
  );
  const model = asVirtualService(route, traffic);
  const ownership =
    argoGatewayOwnership(index, route) ??
    findController(index, model, { state: true });
  const catchAll = matches.findIndex(isCatchAll);
  const baseline =
    catchAll >= 0
      ? catchAll
      : traffic.map(t => t.destinations.length > 0).lastIndexOf(true);
  const baselineKey =
    baseline >= 0
      ? mainShare(traffic[baseline].shares.filter(s => s.weight > 0))?.key
      : undefined;
  const classes: RouteClassification[] = model.http.map((http, i) => {
    const c = classifyRoute({
      route: http,
      match: matches[i],
      traffic: traffic[i],
      baselineKey,
      isBaseline: i === baseline,
      catalog,
      ownership,
    });
    const live = route.rules[i].backends.filter(b => b.weight > 0);
    if (
      c.strategy === 'unknown' &&
      live.length > 0 &&
      live.every(isOtherKind)
    ) {
      const labels = [...new Set(live.map(backendLabel))].join(', ');
      return {
        strategy: 'unknown',
        explanation: `Unknown: traffic goes to ${labels}, not to a Service, so there is no rollout to show`,
      };
    }
    return c;
  });
  const anyTargeted = classes.some(c => c.strategy === 'targeted');
  const shadows = shadowedRules(route.rules);

  const routes: RouteView[] = route.rules.map((rule, i) => {
    const { strategy } = classes[i];
    let { explanation } = classes[i];
    if (
      anyTargeted &&
      i === catchAll &&
      !['unknown', 'managed', 'targeted'].includes(strategy)
    ) {
      explanation = everyoneElse(explanation);
    }
    const at = where(i, rule.name);
    const mirrors = model.http[i].mirrors;
    // A missing Service has its own warning (backend-not-found); other
    // kinds have no pods to look for.
    const existing = (key: string) => {
      const version = catalog.get(key);
      return Boolean(
        version &&
          (version.external || index.serviceByFqdn.has(version.view.fqdn)),
      );
    };
    const usage = [
      ...traffic[i].shares,
      ...mirrors.map(m => ({
        key: catalog.add(m.host, undefined),
        weight: 0,
        mirror: true,
      })),
    ].filter(u => !others.has(u.key) && existing(u.key));
    const shadow = shadows.get(i);
    const view: RouteView = {
      index: i,
      match: matches[i],
      destinations: traffic[i].destinations,
      strategy,
      explanation,
      warnings: [
        ...traffic[i].warnings,
        ...backendWarnings(index, rule, traffic[i], namespace, at),
        ...versionWarnings(catalog, usage, at),
        ...(shadow ? [shadowWarning(shadow, at)] : []),
        ...filterWarnings(rule, at),
      ],
    };
    if (rule.name) view.name = rule.name;
    const mirror = mirrors[0];
    if (mirror) {
      view.mirror = {
        versionKey: catalog.add(mirror.host, undefined),
        host: mirror.host,
        percentage: mirror.percentage,
      };
    }
    return view;
  });

  const { hosts, gateways } = parentsOf(route);
  const trackedBy = findTrackers(route.meta);
  const view: VirtualServiceView = {
    kind: 'HTTPRoute',
    namespace,
    name,
    apiVersion: route.apiVersion,
    resourceVersion: route.meta.resourceVersion,
    hosts,
    gateways,
    versions,
    routes,
    nonHttpRoutes: [],
    warnings: routeWarnings(route, ref, ownership),
  };
  if (ownership) view.managedBy = ownership.managedBy;
  if (trackedBy.length) view.trackedBy = trackedBy;
  return view;
}

/**
 * Builds the rollout view of every Gateway API HTTPRoute in a bag of
 * cluster objects, in the shape of a VirtualService's (`kind: 'HTTPRoute'`):
 * one route per rule with its matches, its backendRefs' weights as
 * percentages of the rule's total, its RequestMirror, the strategy and its
 * sentence; the backend Services as versions with their workloads; and
 * warnings. Pure, and never throws: odd input yields warnings.
 *
 * @public
 */
export function buildHttpRouteViews(
  objects: HttpRouteClusterObjects,
): VirtualServiceView[] {
  const index = indexClusterObjects(objects);
  return readHttpRoutes(objects).map(route => {
    try {
      return buildView(index, route);
    } catch (error) {
      // A bug here must cost one HTTPRoute its details, not the page.
      return {
        kind: 'HTTPRoute',
        namespace: route.meta.namespace,
        name: route.meta.name,
        apiVersion: route.apiVersion,
        resourceVersion: route.meta.resourceVersion,
        hosts: route.hostnames,
        gateways: [],
        versions: [],
        routes: [],
        nonHttpRoutes: [],
        warnings: [
          {
            code: 'view-failed',
            severity: 'error',
            message: `HTTPRoute ${route.meta.namespace}/${
              route.meta.name
            } could not be read: ${String(error)}`,
          },
        ],
      };
    }
  });
}
