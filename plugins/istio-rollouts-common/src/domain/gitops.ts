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

import { RolloutWarning, TrackedByView } from '../types';
import { ObjectMetaModel } from '../kube/readMeta';

const ARGO_TRACKING_ID = 'argocd.argoproj.io/tracking-id';
const ARGO_INSTANCE = 'argocd.argoproj.io/instance';
const APP_INSTANCE = 'app.kubernetes.io/instance';
const FLUX_KUSTOMIZE = 'kustomize.toolkit.fluxcd.io';
const FLUX_HELM = 'helm.toolkit.fluxcd.io';

// Field managers of server-side apply by these tools, used only when no
// label or annotation names the source.
const ARGO_MANAGERS = ['argocd-controller', 'argocd-application-controller'];
const FLUX_MANAGERS = ['kustomize-controller', 'helm-controller'];

function fluxSource(
  labels: Record<string, string>,
  group: string,
): string | undefined {
  const name = labels[`${group}/name`];
  if (!name) {
    return undefined;
  }
  const namespace = labels[`${group}/namespace`];
  return namespace ? `${namespace}/${name}` : name;
}

function argoSource(meta: ObjectMetaModel): string | undefined {
  // `<app>:<group>/<kind>:<namespace>/<name>`; the app may be `ns_app`.
  const trackingId = meta.annotations[ARGO_TRACKING_ID];
  if (trackingId) {
    return trackingId.split(':')[0] || trackingId;
  }
  if (meta.labels[ARGO_INSTANCE]) {
    return meta.labels[ARGO_INSTANCE];
  }
  // `app.kubernetes.io/instance` is Argo CD's legacy tracking label, but Helm
  // and many charts set it too; count it only next to another Argo CD mark.
  const argoMark =
    [...Object.keys(meta.labels), ...Object.keys(meta.annotations)].some(k =>
      k.startsWith('argocd.argoproj.io/'),
    ) || meta.managers.some(m => ARGO_MANAGERS.includes(m));
  return argoMark ? meta.labels[APP_INSTANCE] : undefined;
}

/**
 * The GitOps tools that track an object, from their labels, annotations or
 * field managers.
 *
 * @internal
 */
export function findTrackers(meta: ObjectMetaModel): TrackedByView[] {
  const trackers: TrackedByView[] = [];
  const argo = argoSource(meta);
  if (argo) {
    trackers.push({ tool: 'argo-cd', source: argo });
  } else {
    const manager = meta.managers.find(m => ARGO_MANAGERS.includes(m));
    if (manager) {
      trackers.push({ tool: 'argo-cd', source: `field manager ${manager}` });
    }
  }
  const flux =
    fluxSource(meta.labels, FLUX_KUSTOMIZE) ??
    fluxSource(meta.labels, FLUX_HELM);
  if (flux) {
    trackers.push({ tool: 'flux', source: flux });
  } else {
    const manager = meta.managers.find(m => FLUX_MANAGERS.includes(m));
    if (manager) {
      trackers.push({ tool: 'flux', source: `field manager ${manager}` });
    }
  }
  return trackers;
}

/**
 * Warnings for tools that may undo or redo changes made through the plugin.
 *
 * @internal
 */
export function trackerWarnings(
  meta: ObjectMetaModel,
  trackers: TrackedByView[],
): RolloutWarning[] {
  const warnings: RolloutWarning[] = trackers.map(t => {
    const kind =
      t.tool === 'argo-cd'
        ? 'Argo CD app'
        : `Flux ${
            meta.labels[`${FLUX_KUSTOMIZE}/name`]
              ? 'Kustomization'
              : 'HelmRelease'
          }`;
    // A field manager says which tool, not which app.
    const what = t.source.startsWith('field manager ')
      ? `${t.tool === 'argo-cd' ? 'Argo CD' : 'Flux'} (${t.source})`
      : `${kind} '${t.source}'`;
    return {
      code: 'gitops-tracked',
      severity: 'warning',
      message: `VirtualService ${meta.namespace}/${meta.name} is tracked by ${what}; changes made here may be reverted by ${what} unless they are also made in Git.`,
    };
  });
  // Kiali's traffic wizard labels what it writes; it may overwrite the routes.
  const wizard = meta.labels.kiali_wizard;
  if (wizard) {
    warnings.push({
      code: 'kiali-wizard',
      severity: 'info',
      message: `VirtualService ${meta.namespace}/${
        meta.name
      } was written by Kiali's ${wizard.replace(
        /_/g,
        ' ',
      )} wizard; editing it again in Kiali replaces these routes.`,
    });
  }
  return warnings;
}
