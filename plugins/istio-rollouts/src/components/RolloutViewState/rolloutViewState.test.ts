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

import { NotAllowedError } from '@backstage/errors';
import { responseError } from '../../__testUtils__/api';
import {
  entityRolloutView,
  localRolloutView,
  vsView,
} from '../../__testUtils__/views';
import { rolloutViewState } from './rolloutViewState';

describe('rolloutViewState', () => {
  it('needs the annotations before anything else', () => {
    expect(
      rolloutViewState({
        annotated: false,
        loading: true,
        error: new Error('x'),
      }),
    ).toEqual({ kind: 'missing-annotation' });
  });

  it('tells a refusal from other failures', async () => {
    const denied = await responseError(
      403,
      'NotAllowedError',
      'You may not see the rollouts of component:default/reviews',
    );
    expect(rolloutViewState({ annotated: true, error: denied })).toEqual({
      kind: 'permission-denied',
      message: 'You may not see the rollouts of component:default/reviews',
    });
    expect(
      rolloutViewState({
        annotated: true,
        error: new NotAllowedError('not yours'),
      }),
    ).toEqual({ kind: 'permission-denied', message: 'not yours' });

    const down = await responseError(503, 'ServiceUnavailableError', 'down');
    expect(rolloutViewState({ annotated: true, error: down })).toEqual({
      kind: 'error',
      error: down,
    });
  });

  it('is loading until there is a view', () => {
    expect(rolloutViewState({ annotated: true, loading: true })).toEqual({
      kind: 'loading',
    });
    expect(rolloutViewState({ annotated: true })).toEqual({ kind: 'loading' });
  });

  it('says when no cluster is configured, and when no cluster has a route for the entity', () => {
    const none = entityRolloutView([]);
    expect(rolloutViewState({ annotated: true, view: none })).toEqual({
      kind: 'no-cluster',
      view: none,
    });

    const empty = entityRolloutView([
      { cluster: 'local', virtualServices: [] },
      { cluster: 'eu-west', virtualServices: [] },
    ]);
    expect(rolloutViewState({ annotated: true, view: empty })).toEqual({
      kind: 'nothing-found',
      view: empty,
      clusters: ['local', 'eu-west'],
    });
  });

  it('names each failing cluster and why, next to what the others found', () => {
    const view = entityRolloutView([
      { cluster: 'local', virtualServices: [vsView([])] },
      {
        cluster: 'eu-west',
        virtualServices: [],
        error: { type: 'unreachable', message: 'connect ECONNREFUSED' },
      },
      {
        cluster: 'us-east',
        virtualServices: [],
        error: { type: 'forbidden', message: 'cannot list virtualservices' },
      },
    ]);
    expect(rolloutViewState({ annotated: true, view })).toEqual({
      kind: 'found',
      view,
      failures: [
        {
          cluster: 'eu-west',
          title: 'Cluster unreachable: eu-west',
          message: 'connect ECONNREFUSED',
        },
        {
          cluster: 'us-east',
          title: 'Missing Kubernetes permissions: us-east',
          message: 'cannot list virtualservices',
        },
      ],
    });
  });

  it('does not call a failing cluster "nothing found"', () => {
    const view = entityRolloutView([
      { cluster: 'local', virtualServices: [] },
      {
        cluster: 'eu-west',
        virtualServices: [],
        error: { type: 'unauthorized', message: 'token expired' },
      },
    ]);
    expect(rolloutViewState({ annotated: true, view })).toMatchObject({
      kind: 'found',
      failures: [{ title: 'Cluster rejected the plugin credentials: eu-west' }],
    });
  });

  it('shows the routes of a loaded view', () => {
    const view = localRolloutView();
    expect(rolloutViewState({ annotated: true, view })).toEqual({
      kind: 'found',
      view,
      failures: [],
    });
  });
});
