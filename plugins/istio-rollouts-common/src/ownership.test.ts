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
  BindingLookup,
  entityBinding,
  objectBindingRefusal,
  routeWriteRefusal,
} from './ownership';

const LABEL = 'backstage.io/kubernetes-id';

// A cluster: namespace `team` is bound to `web`; in `shared`, Service `web`
// is labelled for `web` and Service `other` for `other`.
const lookup: BindingLookup = {
  namespaceLabels: ns =>
    ((
      { team: { [LABEL]: 'web' }, shared: {}, other: {} } as Record<
        string,
        Record<string, string>
      >
    )[ns]),
  serviceLabels: (ns, name) =>
    ((
      {
        'team/api': {},
        'shared/web': { [LABEL]: 'web' },
        'shared/other': { [LABEL]: 'other' },
        'other/web': {},
      } as Record<string, Record<string, string>>
    )[`${ns}/${name}`]),
};

const web = entityBinding({
  mode: 'cluster-label',
  entityRef: 'component:default/web',
  kubernetesId: 'web',
  claimants: ['component:default/web'],
});

describe('entityBinding', () => {
  it('binds through an uncontested kubernetes-id', () => {
    expect(web.id).toBe('web');
    expect(web.problem).toBeUndefined();
  });

  it('binds nothing for an entity without an id, or with a contested one', () => {
    expect(
      entityBinding({ mode: 'cluster-label', entityRef: 'component:default/x' })
        .id,
    ).toBeUndefined();
    const contested = entityBinding({
      mode: 'cluster-label',
      entityRef: 'component:default/copycat',
      kubernetesId: 'web',
      claimants: ['component:default/web', 'component:default/copycat'],
    });
    expect(contested.id).toBeUndefined();
    expect(contested.problem).toContain(
      "'web' is claimed by component:default/web",
    );
  });
});

describe('objectBindingRefusal', () => {
  it('accepts an object bound by its own label or by its namespace', () => {
    expect(
      objectBindingRefusal(
        web,
        {
          kind: 'Deployment',
          namespace: 'shared',
          name: 'w',
          labels: { [LABEL]: 'web' },
        },
        lookup,
      ),
    ).toBeUndefined();
    expect(
      objectBindingRefusal(
        web,
        { kind: 'Deployment', namespace: 'team', name: 'w' },
        lookup,
      ),
    ).toBeUndefined();
  });

  it('refuses anything else, naming the label that would bind it', () => {
    expect(
      objectBindingRefusal(
        web,
        {
          kind: 'Deployment',
          namespace: 'shared',
          name: 'o',
          labels: { [LABEL]: 'other' },
        },
        lookup,
      ),
    ).toContain(`it is labelled ${LABEL}=other`);
    expect(
      objectBindingRefusal(
        web,
        { kind: 'Deployment', namespace: 'shared', name: 'o' },
        lookup,
      ),
    ).toContain(`labels it or its namespace ${LABEL}=web`);
  });

  it('lets the catalog-only mode through', () => {
    expect(
      objectBindingRefusal(
        entityBinding({ mode: 'catalog', entityRef: 'component:default/x' }),
        { kind: 'Deployment', namespace: 'shared', name: 'o' },
        lookup,
      ),
    ).toBeUndefined();
  });
});

describe('routeWriteRefusal', () => {
  const shared = { namespace: 'shared', name: 'gateway' };

  it("changes a shared VirtualService's route only when all its hosts are the entity's", () => {
    expect(routeWriteRefusal(web, shared, ['web'], lookup)).toBeUndefined();
    expect(routeWriteRefusal(web, shared, ['web', 'other'], lookup)).toContain(
      'is shared',
    );
  });

  it('resolves hosts as Istio does: short, name.namespace, fully qualified', () => {
    const mine = { namespace: 'team', name: 'vs' };
    expect(
      routeWriteRefusal(
        web,
        mine,
        ['api', 'web.shared', 'web.shared.svc.cluster.local'],
        lookup,
      ),
    ).toBeUndefined();
    // `web` in namespace `other` is another Service, unbound.
    expect(
      routeWriteRefusal(web, mine, ['web.other.svc.cluster.local'], lookup),
    ).toContain('Service other/web');
    // External hosts and missing Services are never the entity's.
    expect(routeWriteRefusal(web, mine, ['example.com'], lookup)).toContain(
      'not a Service of this cluster',
    );
    expect(routeWriteRefusal(web, mine, ['missing'], lookup)).toContain(
      'does not exist',
    );
  });

  it('refuses a VirtualService bound to another entity whatever its routes', () => {
    expect(
      routeWriteRefusal(
        web,
        { ...shared, labels: { [LABEL]: 'other' } },
        ['web'],
        lookup,
      ),
    ).toContain(`labelled ${LABEL}=other`);
  });
});
