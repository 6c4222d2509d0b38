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
  DestinationRef,
  RouteSnapshot,
  RoutingObjectKind,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { AuditStore } from '../database/AuditStore';

/**
 * The version that had all of a route's traffic when the plugin last began
 * a canary on it: the `weightsBefore` of the newest applied start-canary of
 * that route. Rollback returns traffic there, and the canary analysis
 * judges the canary against it; undefined when no canary began here.
 */
export async function recordedStableOf(
  auditStore: AuditStore | undefined,
  args: {
    entityRef: string;
    cluster: string;
    namespace: string;
    virtualService: string;
    /** Absent: a VirtualService. */
    kind?: RoutingObjectKind;
    route: { index: number; name?: string };
  },
): Promise<DestinationRef | undefined> {
  if (!auditStore) return undefined;
  const { route } = args;
  const page = await auditStore.list({
    entityRef: args.entityRef,
    action: 'start-canary',
    outcome: 'applied',
    virtualService: {
      cluster: args.cluster,
      namespace: args.namespace,
      name: args.virtualService,
      kind: args.kind,
    },
    limit: 50,
  });
  const record = page.items.find(r => {
    const after = r.weightsAfter as RouteSnapshot | undefined;
    return route.name
      ? after?.name === route.name
      : after?.index === route.index;
  });
  return (
    record?.weightsBefore as RouteSnapshot | undefined
  )?.destinations?.find(d => d.weight > 0);
}
