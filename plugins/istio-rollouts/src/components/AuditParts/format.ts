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

import type {
  AuditRecord,
  EntityRolloutView,
  RequestedChange,
  RouteSnapshot,
  VersionView,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { describeSnapshot } from '../RouteActions/routeModel';
import {
  controllerObjectOf,
  describeControllerAction,
  parseControllerAuditAction,
} from '../ControllerPanel/controllerText';

// How audit records and promotion requests read: shared by the requests
// card, the entity's history and the platform audit page, so one action is
// described the same way everywhere.

const ACTION_LABELS: Record<string, string> = {
  'set-weights': 'Set weights',
  'start-canary': 'Start canary',
  'promote-next': 'Promote to next step',
  'promote-full': 'Promote fully',
  flip: 'Flip blue-green',
  rollback: 'Roll back',
  'target-users': 'Target users',
  'remove-targeting': 'Remove targeting',
  'set-mirror': 'Mirror',
  'remove-mirror': 'Remove mirror',
  finish: 'Finish',
  scale: 'Scale',
  // Made outside Backstage (kubectl, GitOps, a rollout controller).
  'observed-change': 'Changed outside Backstage',
  // Refused decisions on promotion requests (recorded as denied).
  'reject-request': 'Reject request',
  'cancel-request': 'Cancel request',
};

/** `promote-next` → `Promote to next step`; unknown actions keep their id. */
export function actionLabel(action: string): string {
  return (
    ACTION_LABELS[action] ?? parseControllerAuditAction(action)?.label ?? action
  );
}

/**
 * The action of an audit record, naming the Rollout or Canary of a
 * controller action when the record carries it (`Promote Rollout
 * storefront one step`).
 */
export function recordActionLabel(record: {
  action: string;
  workload?: string;
}): string {
  const parsed = parseControllerAuditAction(record.action);
  const object = controllerObjectOf(record);
  if (!parsed || !object) return actionLabel(record.action);
  return parsed.action
    ? describeControllerAction(object, parsed.action)
    : `${parsed.label} for ${object.name}`;
}

/** What a promotion request asks for, in words. */
export function changeLabel(change: RequestedChange): string {
  if (change.type === 'controller-action') {
    return describeControllerAction(change.controller, change.action);
  }
  return actionLabel(change.type);
}

/**
 * Audit records carry weights as unknown JSON (route snapshots, or
 * `{ replicas }` for a scale): check the shape before reading it.
 */
export function isRouteSnapshot(value: unknown): value is RouteSnapshot {
  return (
    typeof value === 'object' &&
    value !== null &&
    Array.isArray((value as RouteSnapshot).destinations)
  );
}

function replicasOf(value: unknown): number | undefined {
  const replicas = (value as { replicas?: unknown } | undefined)?.replicas;
  return typeof replicas === 'number' ? replicas : undefined;
}

/**
 * The kind of routing object a record or request acts on: audit records
 * carry it as `routeKind`, a request's target as `kind`; absent means a
 * VirtualService (what records made before HTTPRoutes could be changed
 * acted on).
 */
export function routeKindOf(target: {
  cluster: string;
  kind?: string;
  routeKind?: string;
}): string {
  return target.routeKind ?? target.kind ?? 'VirtualService';
}

/**
 * How the tab names a route: `Route "primary"` or `Route #1` for a
 * VirtualService's http routes; `Rule "name"` or `Rule 0` for an
 * HTTPRoute's rules, numbered as the API and the view's warnings number
 * them.
 */
export function routeLabel(route: string | number, kind?: string): string {
  const text = String(route);
  const index = /^\d+$/.test(text);
  if (kind === 'HTTPRoute') return index ? `Rule ${text}` : `Rule "${text}"`;
  return index ? `Route #${Number(text) + 1}` : `Route "${text}"`;
}

/**
 * Where an action wrote: `local · demo/reviews · Route "primary"`, or
 * `local · HTTPRoute demo/inventory · Rule 0`.
 */
export function describeTarget(record: {
  cluster: string;
  namespace: string;
  virtualService?: string;
  workload?: string;
  route?: string | number;
  kind?: string;
  routeKind?: string;
}): string {
  const parts = [record.cluster];
  if (record.virtualService) {
    const kind = routeKindOf(record);
    const object = `${record.namespace}/${record.virtualService}`;
    parts.push(kind === 'VirtualService' ? object : `${kind} ${object}`);
    if (record.route !== undefined) {
      parts.push(routeLabel(record.route, kind));
    }
  } else {
    parts.push(record.namespace);
    if (record.workload) parts.push(record.workload);
  }
  return parts.join(' · ');
}

/**
 * Finds the versions of a routing object in the entity's view, to label
 * destinations as the tab does. The kind counts: an HTTPRoute may share
 * its name with a VirtualService.
 */
export type VersionsLookup = (target: {
  cluster: string;
  namespace: string;
  virtualService?: string;
  kind?: string;
  routeKind?: string;
}) => VersionView[];

export function versionsLookup(view?: EntityRolloutView): VersionsLookup {
  return target =>
    view?.clusters
      .find(c => c.cluster === target.cluster)
      ?.virtualServices.find(
        vs =>
          vs.namespace === target.namespace &&
          vs.name === target.virtualService &&
          (vs.kind ?? 'VirtualService') === routeKindOf(target),
      )?.versions ?? [];
}

/**
 * Weights before → after of a record: `v1 90% · v2 10% → v1 75% · v2 25%`,
 * or `2 → 4 replicas` for a scale; undefined when the record has neither
 * (a refusal records no weights).
 */
export function describeWeights(
  before: unknown,
  after: unknown,
  versions: VersionView[] = [],
): string | undefined {
  const side = (value: unknown) => {
    if (isRouteSnapshot(value)) return describeSnapshot(versions, value);
    const replicas = replicasOf(value);
    return replicas === undefined ? undefined : `${replicas}`;
  };
  const [from, to] = [side(before), side(after)];
  if (from === undefined && to === undefined) return undefined;
  const unit =
    replicasOf(after) !== undefined || replicasOf(before) !== undefined
      ? ' replicas'
      : '';
  return `${from ?? '?'} → ${to ?? '?'}${unit}`;
}

/** Weights before → after of an audit record, labelled from the view. */
export function describeRecordWeights(
  record: AuditRecord,
  lookup: VersionsLookup = () => [],
): string | undefined {
  return describeWeights(
    record.weightsBefore,
    record.weightsAfter,
    lookup(record),
  );
}

/** A date and time in the user's locale. */
export function formatTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

const UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
];

/** `5 minutes ago`, `in 23 hours`, `now`. */
export function formatRelative(iso: string, now: number = Date.now()): string {
  const diff = new Date(iso).getTime() - now;
  if (Number.isNaN(diff)) return iso;
  const format = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
  for (const [unit, ms] of UNITS) {
    if (Math.abs(diff) >= ms) return format.format(Math.round(diff / ms), unit);
  }
  return format.format(0, 'second');
}
