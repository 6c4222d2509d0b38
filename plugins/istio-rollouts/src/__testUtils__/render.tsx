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

import { Entity } from '@backstage/catalog-model';
import {
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import { signalApiRef, SignalApi } from '@backstage/plugin-signals-react';
import { mockApis, TestApiProvider } from '@backstage/test-utils';
import { renderHook, screen, waitFor, within } from '@testing-library/react';
import { ReactNode } from 'react';
import { IstioRolloutsApi, istioRolloutsApiRef } from '../api/IstioRolloutsApi';
import { testApi } from './api';

// What the component tests render into, and how they find what they check.

let entityCount = 0;

/**
 * A service entity bound to demo/reviews, with a fresh name:
 * usePermission caches decisions per (permission, entity ref) across
 * renders, so each test gets its own ref.
 */
export function testEntity(annotations: Record<string, string> = {}): Entity {
  entityCount += 1;
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: `reviews-${entityCount}`,
      annotations: {
        'istio-rollouts/virtual-services': 'demo/reviews',
        ...annotations,
      },
    },
    spec: { type: 'service', owner: 'team-bookinfo', lifecycle: 'production' },
  };
}

/** A service entity with none of the annotations the plugin reads. */
export function unannotatedEntity(): Entity {
  const entity = testEntity();
  return { ...entity, metadata: { name: entity.metadata.name } };
}

/**
 * renderInTestApp options for components that link to catalog entities
 * (requesters, approvers, actors, services).
 */
export const CATALOG_ROUTES = {
  mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef },
};

type Decision = 'ALLOW' | 'DENY';

/**
 * Wraps children in the APIs the entity's components need. `decide`
 * answers per permission name. The permission API's ref comes from the
 * test-utils factory, because plugin-permission-react is no dependency of
 * this package.
 */
export function Providers({
  api,
  entity,
  decide = () => 'ALLOW',
  apis = [],
  children,
}: {
  api: Partial<IstioRolloutsApi>;
  entity: Entity;
  decide?: (permissionName: string) => Decision;
  /** More [ref, implementation] pairs, e.g. the identity or signal API. */
  apis?: any[];
  children: ReactNode;
}) {
  const permission = mockApis.permission.factory({
    // AuthorizeResult's values are these strings; its enum lives in
    // plugin-permission-common, which this package does not depend on.
    authorize: request => decide(request.permission.name) as any,
  });
  return (
    <TestApiProvider
      apis={[
        [istioRolloutsApiRef, testApi(api)],
        [permission.api, permission.factory({})],
        ...apis,
      ]}
    >
      <EntityProvider entity={entity}>{children}</EntityProvider>
    </TestApiProvider>
  );
}

/**
 * A renderHook wrapper providing the plugin's API (unmocked methods as in
 * testApi) and `apis`, more [ref, implementation] pairs.
 */
export function apiWrapper(api: Partial<IstioRolloutsApi>, apis: any[] = []) {
  const full = testApi(api);
  return ({ children }: { children: ReactNode }) => (
    <TestApiProvider apis={[[istioRolloutsApiRef, full], ...apis]}>
      {children}
    </TestApiProvider>
  );
}

/**
 * Renders a hook of a fresh test entity (useRolloutView,
 * usePromotionRequests) with the plugin's API and, when given, a signal API.
 */
export function renderEntityHook<R>(
  useEntityHook: (entity: Entity) => R,
  api: Partial<IstioRolloutsApi>,
  signals?: { api: SignalApi },
) {
  const entity = testEntity();
  const hook = renderHook(() => useEntityHook(entity), {
    wrapper: apiWrapper(api, signals ? [[signalApiRef, signals.api]] : []),
  });
  return { ...hook, entity };
}

export const button = (name: string | RegExp) =>
  screen.getByRole('button', { name });

/** The button once enabled: actions wait for their permission decisions. */
export async function enabledButton(name: string | RegExp) {
  await waitFor(() => expect(button(name)).toBeEnabled());
  return button(name);
}

/** The row of a table in `container` whose first cell reads `firstCell`. */
export function tableRow(container: HTMLElement, firstCell: string) {
  const found = within(container)
    .getAllByRole('row')
    .find(r => within(r).queryAllByRole('cell')[0]?.textContent === firstCell);
  if (!found) throw new Error(`no row ${firstCell}`);
  return found;
}
