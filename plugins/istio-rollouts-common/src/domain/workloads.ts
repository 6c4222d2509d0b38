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

import { WorkloadView } from '../types';
import {
  ROLLOUT_POD_TEMPLATE_HASH,
  replicaSetCounts,
} from '../argo/rolloutState';
import { asArray, asString, asStringMap, dig } from '../kube/guards';
import { labelsInclude } from '../kube/labels';
import { WorkloadModel } from '../kube/readWorkloads';
import { ObjectIndex, rawObject } from './objectIndex';

/**
 * The pods that serve `fqdn` with `labels`: workloads in the Service's
 * namespace whose pod template carries the labels and, when the Service is
 * known, its selector too, so that `version: v1` of `reviews` does not pick
 * `ratings-v1`. Hosts that are not cluster Services have no workloads here.
 *
 * @internal
 */
export function findWorkloads(
  index: ObjectIndex,
  fqdn: string,
  namespace: string | undefined,
  labels: Record<string, string>,
): WorkloadModel[] {
  if (!namespace) {
    return [];
  }
  const selector = index.serviceByFqdn.get(fqdn)?.selector ?? {};
  if (!Object.keys(selector).length && !Object.keys(labels).length) {
    return [];
  }
  return index.workloads.filter(w => {
    const wanted = w.kind === 'Rollout' ? withoutRolloutHash(labels) : labels;
    const selects =
      w.kind === 'Rollout' ? withoutRolloutHash(selector) : selector;
    return (
      w.meta.namespace === namespace &&
      (!Object.keys(wanted).length || labelsInclude(w.podLabels, wanted)) &&
      (!Object.keys(selects).length || labelsInclude(w.podLabels, selects))
    );
  });
}

// Argo Rollouts pins its stable and canary Services (and subsets) to one
// ReplicaSet with this label; the Rollout's own pod template never carries
// it, so it is ignored when matching a Rollout.
const ROLLOUT_HASH_LABEL = ROLLOUT_POD_TEMPLATE_HASH;

/**
 * For a version pinned to one revision of a Rollout (its Service selector
 * or subset labels carry `rollouts-pod-template-hash`, as Argo Rollouts
 * writes them), the Rollout narrowed to that revision's ReplicaSet: its own
 * pod counts and images. Otherwise, or when the ReplicaSet is not known,
 * the workload as it is.
 *
 * @internal
 */
export function narrowToRevision(
  index: ObjectIndex,
  workload: WorkloadModel,
  labels: Record<string, string>,
  selector: Record<string, string>,
): WorkloadModel {
  const hash = labels[ROLLOUT_HASH_LABEL] ?? selector[ROLLOUT_HASH_LABEL];
  if (workload.kind !== 'Rollout' || !hash) return workload;
  const raw = rawObject(workload);
  const uid = asString(dig(raw, 'metadata', 'uid'));
  const replicaSet = index.replicaSets.find(rs => {
    const meta = dig(rs, 'metadata');
    return (
      asString(dig(meta, 'namespace')) === workload.meta.namespace &&
      asStringMap(dig(meta, 'labels'))[ROLLOUT_HASH_LABEL] === hash &&
      asArray(dig(meta, 'ownerReferences')).some(ref =>
        uid
          ? dig(ref, 'uid') === uid
          : dig(ref, 'kind') === 'Rollout' &&
            dig(ref, 'name') === workload.meta.name,
      )
    );
  });
  const name = asString(dig(replicaSet, 'metadata', 'name'));
  if (!replicaSet || !name) return workload;
  const counts = replicaSetCounts(replicaSet);
  const images: string[] = [];
  for (const c of asArray(
    dig(replicaSet, 'spec', 'template', 'spec', 'containers'),
  )) {
    const image = asString(dig(c, 'image'));
    if (image && !images.includes(image)) images.push(image);
  }
  return {
    ...workload,
    images,
    replicas: {
      desired: counts.desired,
      ready: counts.ready,
      // Every pod of a ReplicaSet runs its revision.
      updated: counts.current,
      available: counts.available,
      observed: { replicas: counts.current },
    },
    replicaSet: name,
  };
}

function withoutRolloutHash(
  labels: Record<string, string>,
): Record<string, string> {
  if (!(ROLLOUT_HASH_LABEL in labels)) return labels;
  const { [ROLLOUT_HASH_LABEL]: _hash, ...rest } = labels;
  return rest;
}

/**
 * An update in progress, worded as `kubectl rollout status` reasons about
 * it; undefined when the workload is settled or has no status to tell.
 *
 * @internal
 */
export function updateProgress(workload: WorkloadModel): string | undefined {
  const { desired, ready, updated, available, observed } = workload.replicas;
  if (!observed) {
    return undefined;
  }
  if (workload.replicaSet) {
    // One revision's ReplicaSet: its pods come and go, none is "old".
    if (observed.replicas > desired) {
      return `${observed.replicas - desired} pods pending termination`;
    }
    if (ready < desired) return `${ready} of ${desired} pods ready`;
    if (available < desired) return `${available} of ${desired} pods available`;
    return undefined;
  }
  const generation = workload.meta.generation;
  if (
    generation !== undefined &&
    observed.generation !== undefined &&
    observed.generation < generation
  ) {
    return 'update not yet observed by the controller';
  }
  if (updated < desired) {
    return `${updated} of ${desired} pods updated`;
  }
  if (observed.replicas > updated) {
    return `${observed.replicas - updated} old pods pending termination`;
  }
  if (available < updated) {
    return `${available} of ${updated} updated pods available`;
  }
  return undefined;
}

/**
 * The wire view of a workload.
 *
 * @internal
 */
export function toWorkloadView(workload: WorkloadModel): WorkloadView {
  const { desired, ready, updated, available } = workload.replicas;
  const view: WorkloadView = {
    kind: workload.kind,
    namespace: workload.meta.namespace,
    name: workload.meta.name,
    images: workload.images,
    replicas: { desired, ready, updated, available },
  };
  if (workload.updateStrategy) {
    view.updateStrategy = workload.updateStrategy;
  }
  const progress = updateProgress(workload);
  if (progress) {
    view.progress = progress;
  }
  return view;
}
