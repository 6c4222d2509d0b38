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
import { isValidNamespaceName, isValidObjectName } from './kube/names';
import { DEFAULT_NAMESPACE } from './kube/readMeta';

/**
 * The Kubernetes plugin's annotations, reused so that an entity configured
 * for the Kubernetes tab needs nothing more for discovery.
 *
 * @public
 */
export const KUBERNETES_ANNOTATIONS = {
  id: 'backstage.io/kubernetes-id',
  namespace: 'backstage.io/kubernetes-namespace',
  labelSelector: 'backstage.io/kubernetes-label-selector',
  cluster: 'backstage.io/kubernetes-cluster',
} as const;

/**
 * This plugin's own annotations.
 *
 * @public
 */
export const ISTIO_ROLLOUTS_ANNOTATIONS = {
  /** Comma-separated VirtualService names, optionally `namespace/name`. */
  virtualServices: 'istio-rollouts/virtual-services',
  /** The http route (by name) that promotions move; defaults to the last, catch-all route. */
  route: 'istio-rollouts/route',
  /** Comma-separated canary steps in percent, e.g. `10,25,50,100`. */
  canarySteps: 'istio-rollouts/canary-steps',
} as const;

/**
 * Canary steps used when an entity does not set its own.
 *
 * @public
 */
export const DEFAULT_CANARY_STEPS: readonly number[] = [10, 25, 50, 100];

/**
 * A VirtualService named by an entity annotation.
 *
 * @public
 */
export interface VirtualServiceRef {
  /**
   * As read by readRolloutAnnotations, always set: a name written without
   * a namespace means the entity's Kubernetes namespace
   * (`backstage.io/kubernetes-namespace`), else the entity's own catalog
   * namespace — never "that name in every namespace", which would let an
   * entity claim a same-named VirtualService of any team.
   */
  namespace?: string;
  name: string;
}

/**
 * What an entity's annotations ask this plugin to look at.
 *
 * @public
 */
export interface RolloutAnnotations {
  /** Always qualified: see VirtualServiceRef. */
  virtualServices: Array<Required<VirtualServiceRef>>;
  route?: string;
  canarySteps: number[];
  kubernetesId?: string;
  namespace?: string;
  labelSelector?: string;
  cluster?: string;
  /** Human-readable problems found in the annotations; the rest is still usable. */
  problems: string[];
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

// A name written without a namespace means `home` (see VirtualServiceRef).
function parseVirtualServices(
  raw: string,
  home: string,
  problems: string[],
): Array<Required<VirtualServiceRef>> {
  const refs: Array<Required<VirtualServiceRef>> = [];
  for (const item of raw
    .split(',')
    .map(s => s.trim())
    .filter(Boolean)) {
    const parts = item.split('/');
    const [namespace, name] = parts.length === 2 ? parts : [home, parts[0]];
    if (parts.length > 2 || !isValidObjectName(name)) {
      problems.push(
        `${ISTIO_ROLLOUTS_ANNOTATIONS.virtualServices}: '${item}' is not a VirtualService name or namespace/name`,
      );
    } else if (!isValidNamespaceName(namespace)) {
      problems.push(
        `${ISTIO_ROLLOUTS_ANNOTATIONS.virtualServices}: '${namespace}' in '${item}' is not a valid namespace`,
      );
    } else if (!refs.some(r => r.name === name && r.namespace === namespace)) {
      refs.push({ namespace, name });
    }
  }
  return refs;
}

/**
 * Parses canary steps such as `10,25,50,100`: integers in 1..100, strictly
 * increasing, ending at 100 (a plan that never reaches 100% never finishes).
 *
 * @public
 */
export function parseCanarySteps(
  raw: string,
): { steps: number[] } | { error: string } {
  const items = raw.split(',').map(s => s.trim());
  const steps: number[] = [];
  for (const item of items) {
    if (!/^\d+$/.test(item)) {
      return { error: `'${item}' is not a whole percentage` };
    }
    const step = Number(item);
    if (step < 1 || step > 100) {
      return { error: `step ${step} is outside 1..100` };
    }
    if (steps.length > 0 && step <= steps[steps.length - 1]) {
      return {
        error: `steps must increase, but ${step} follows ${
          steps[steps.length - 1]
        }`,
      };
    }
    steps.push(step);
  }
  if (steps[steps.length - 1] !== 100) {
    return { error: 'the last step must be 100' };
  }
  return { steps };
}

/**
 * Reads the annotations this plugin understands. Never throws: problems are
 * collected so the UI can show them next to whatever still works.
 *
 * @public
 */
export function readRolloutAnnotations(entity: Entity): RolloutAnnotations {
  const annotations = entity.metadata.annotations ?? {};
  const problems: string[] = [];

  const namespace = nonEmpty(annotations[KUBERNETES_ANNOTATIONS.namespace]);
  const validNamespace =
    namespace && isValidNamespaceName(namespace) ? namespace : undefined;

  const vsRaw = nonEmpty(
    annotations[ISTIO_ROLLOUTS_ANNOTATIONS.virtualServices],
  );
  const virtualServices = vsRaw
    ? parseVirtualServices(
        vsRaw,
        validNamespace ?? entity.metadata.namespace ?? DEFAULT_NAMESPACE,
        problems,
      )
    : [];

  let canarySteps = [...DEFAULT_CANARY_STEPS];
  const stepsRaw = nonEmpty(
    annotations[ISTIO_ROLLOUTS_ANNOTATIONS.canarySteps],
  );
  if (stepsRaw) {
    const parsed = parseCanarySteps(stepsRaw);
    if ('error' in parsed) {
      problems.push(
        `${ISTIO_ROLLOUTS_ANNOTATIONS.canarySteps}: ${
          parsed.error
        }; using ${DEFAULT_CANARY_STEPS.join(', ')}`,
      );
    } else {
      canarySteps = parsed.steps;
    }
  }

  if (namespace && !validNamespace) {
    problems.push(
      `${KUBERNETES_ANNOTATIONS.namespace}: '${namespace}' is not a valid namespace`,
    );
  }

  return {
    virtualServices,
    route: nonEmpty(annotations[ISTIO_ROLLOUTS_ANNOTATIONS.route]),
    canarySteps,
    kubernetesId: nonEmpty(annotations[KUBERNETES_ANNOTATIONS.id]),
    namespace: validNamespace,
    labelSelector: nonEmpty(annotations[KUBERNETES_ANNOTATIONS.labelSelector]),
    cluster: nonEmpty(annotations[KUBERNETES_ANNOTATIONS.cluster]),
    problems,
  };
}

/**
 * Whether the Istio Rollouts tab has something to show for this entity: it
 * names VirtualServices, or it carries the Kubernetes plugin's id or label
 * selector, from which VirtualServices are discovered.
 *
 * @public
 */
export function isIstioRolloutsAvailable(entity: Entity): boolean {
  const annotations = entity.metadata.annotations ?? {};
  return [
    ISTIO_ROLLOUTS_ANNOTATIONS.virtualServices,
    KUBERNETES_ANNOTATIONS.id,
    KUBERNETES_ANNOTATIONS.labelSelector,
  ].some(key => Boolean(annotations[key]?.trim()));
}
