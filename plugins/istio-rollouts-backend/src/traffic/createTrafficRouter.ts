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

import { ClusterObjectCache } from '../cluster/ClusterObjectCache';
import { GatewayApiTrafficRouter } from './gatewayapi/GatewayApiTrafficRouter';
import { IstioTrafficRouter } from './istio/IstioTrafficRouter';
import { RouteKind, TrafficRouter } from './TrafficRouter';

/**
 * The one place that knows every kind of routing object: the services ask
 * for a router by the kind of route they act on and never name a mesh.
 * A kind without a router is an error, never a silent fallback to Istio (a
 * Gateway API HTTPRoute written as a VirtualService would be refused by the
 * API server at best).
 */
export function createTrafficRouter(options: {
  kind: RouteKind;
  cache: ClusterObjectCache;
}): TrafficRouter {
  const { kind, cache } = options;
  switch (kind) {
    case 'VirtualService':
      return new IstioTrafficRouter(cache);
    case 'HTTPRoute':
      return new GatewayApiTrafficRouter(cache);
    default:
      throw new Error(`No traffic router for routes of kind ${kind}`);
  }
}
