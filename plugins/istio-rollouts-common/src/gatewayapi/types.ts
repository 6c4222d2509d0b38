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

import { ClusterObjects, KubeObject } from '../kube/types';

// A typed subset of the Gateway API HTTPRoute (gateway.networking.k8s.io/v1):
// only the fields the rollout view reads. Optional everywhere, because the
// readers never trust these types at runtime.

/**
 * A Gateway API reference to a parent (a Gateway, or a Service for mesh routing).
 *
 * @public
 */
export interface GatewayParentReference {
  group?: string;
  kind?: string;
  namespace?: string;
  name?: string;
  sectionName?: string;
  port?: number;
}

/**
 * A Gateway API `HTTPBackendRef`: a Service by default, weight 1 by default.
 *
 * @public
 */
export interface GatewayHttpBackendRef {
  group?: string;
  kind?: string;
  namespace?: string;
  name?: string;
  port?: number;
  weight?: number;
  filters?: GatewayHttpRouteFilter[];
}

/**
 * A Gateway API `HTTPRouteFilter`; only the fields the view reads.
 *
 * @public
 */
export interface GatewayHttpRouteFilter {
  type?: string;
  requestHeaderModifier?: GatewayHeaderModifier;
  responseHeaderModifier?: GatewayHeaderModifier;
  requestMirror?: {
    backendRef?: Omit<GatewayHttpBackendRef, 'weight' | 'filters'>;
    percent?: number;
    fraction?: { numerator?: number; denominator?: number };
  };
  requestRedirect?: Record<string, unknown>;
  urlRewrite?: Record<string, unknown>;
}

/**
 * A Gateway API `HTTPHeaderFilter`.
 *
 * @public
 */
export interface GatewayHeaderModifier {
  set?: Array<{ name?: string; value?: string }>;
  add?: Array<{ name?: string; value?: string }>;
  remove?: string[];
}

/**
 * A Gateway API `HTTPRouteMatch`; all conditions of one match must hold.
 *
 * @public
 */
export interface GatewayHttpRouteMatch {
  path?: { type?: string; value?: string };
  headers?: Array<{ type?: string; name?: string; value?: string }>;
  queryParams?: Array<{ type?: string; name?: string; value?: string }>;
  method?: string;
}

/**
 * A Gateway API `HTTPRouteRule`.
 *
 * @public
 */
export interface GatewayHttpRouteRule {
  /** Gateway API v1.2 and later. */
  name?: string;
  matches?: GatewayHttpRouteMatch[];
  filters?: GatewayHttpRouteFilter[];
  backendRefs?: GatewayHttpBackendRef[];
}

/**
 * A Gateway API `HTTPRoute` (`gateway.networking.k8s.io/v1`, also v1beta1).
 *
 * @public
 */
export interface GatewayHttpRoute extends KubeObject {
  spec?: {
    parentRefs?: GatewayParentReference[];
    hostnames?: string[];
    rules?: GatewayHttpRouteRule[];
  };
}

/**
 * Cluster objects plus HTTPRoutes: what `buildHttpRouteViews` reads. The
 * VirtualService fields may be left out.
 *
 * @public
 */
export interface HttpRouteClusterObjects extends Partial<ClusterObjects> {
  httpRoutes: GatewayHttpRoute[];
}
