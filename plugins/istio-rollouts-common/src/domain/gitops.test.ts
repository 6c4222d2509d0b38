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
  bag,
  reviewsApp,
  split,
  virtualService,
} from '../__testUtils__/builders';
import { buildVirtualServiceViews } from './buildRolloutView';

function tracked(metadata: Record<string, unknown>) {
  const [view] = buildVirtualServiceViews(
    bag(reviewsApp(), {
      virtualServices: [
        virtualService('reviews', [{ route: split([['v1', undefined]]) }], {
          metadata,
        }),
      ],
    }),
  );
  return {
    trackedBy: view.trackedBy,
    messages: view.warnings.map(w => `${w.code}: ${w.message}`),
  };
}

describe('GitOps tracking', () => {
  it('Argo CD tracking-id annotation names the app', () => {
    expect(
      tracked({
        annotations: {
          'argocd.argoproj.io/tracking-id':
            'shop-prod:networking.istio.io/VirtualService:shop/reviews',
        },
      }),
    ).toEqual({
      trackedBy: [{ tool: 'argo-cd', source: 'shop-prod' }],
      messages: [
        "gitops-tracked: VirtualService shop/reviews is tracked by Argo CD app 'shop-prod'; changes made here may be reverted by Argo CD app 'shop-prod' unless they are also made in Git.",
      ],
    });
  });

  it('argocd.argoproj.io/instance label', () => {
    expect(
      tracked({ labels: { 'argocd.argoproj.io/instance': 'shop' } }).trackedBy,
    ).toEqual([{ tool: 'argo-cd', source: 'shop' }]);
  });

  it('app.kubernetes.io/instance counts only next to another Argo CD mark', () => {
    expect(
      tracked({ labels: { 'app.kubernetes.io/instance': 'shop' } }).trackedBy,
    ).toBeUndefined();
    expect(
      tracked({
        labels: { 'app.kubernetes.io/instance': 'shop' },
        annotations: { 'argocd.argoproj.io/sync-wave': '1' },
      }).trackedBy,
    ).toEqual([{ tool: 'argo-cd', source: 'shop' }]);
  });

  it('Flux Kustomization and HelmRelease labels', () => {
    const kustomize = tracked({
      labels: {
        'kustomize.toolkit.fluxcd.io/name': 'apps',
        'kustomize.toolkit.fluxcd.io/namespace': 'flux-system',
      },
    });
    expect(kustomize.trackedBy).toEqual([
      { tool: 'flux', source: 'flux-system/apps' },
    ]);
    expect(kustomize.messages[0]).toContain(
      "Flux Kustomization 'flux-system/apps'",
    );
    const helm = tracked({
      labels: { 'helm.toolkit.fluxcd.io/name': 'reviews' },
    });
    expect(helm.messages[0]).toContain("Flux HelmRelease 'reviews'");
  });

  it('field managers when nothing else names the source', () => {
    const result = tracked({
      managedFields: [
        { manager: 'argocd-controller' },
        { manager: 'kustomize-controller' },
      ],
    });
    expect(result.trackedBy).toEqual([
      { tool: 'argo-cd', source: 'field manager argocd-controller' },
      { tool: 'flux', source: 'field manager kustomize-controller' },
    ]);
    expect(result.messages[0]).toContain(
      'tracked by Argo CD (field manager argocd-controller)',
    );
  });

  it("Kiali's wizard label is reported as information", () => {
    expect(tracked({ labels: { kiali_wizard: 'traffic_shifting' } })).toEqual({
      trackedBy: undefined,
      messages: [
        "kiali-wizard: VirtualService shop/reviews was written by Kiali's traffic shifting wizard; editing it again in Kiali replaces these routes.",
      ],
    });
  });
});
