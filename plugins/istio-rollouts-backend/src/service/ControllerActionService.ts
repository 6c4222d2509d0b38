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
  BackstageCredentials,
  DiscoveryService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { CompoundEntityRef, Entity } from '@backstage/catalog-model';
import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import { ResourcePermission } from '@backstage/plugin-permission-common';
import {
  ControllerAction,
  ControllerActionChange,
  ControllerActionRecordDetails,
  ControllerActionRequest,
  ControllerActionResult,
  ControllerStateAtRequest,
  ControllerTarget,
  FLAGGER_GATES,
  FlaggerGate,
  FlaggerWebhooksResponse,
  RouteSnapshot,
  RouteTarget,
  VirtualServiceView,
  buildVirtualServiceViews,
  istioRolloutsApplyPermission,
  istioRolloutsReadPermission,
  istioRolloutsRequestPermission,
  istioRolloutsRollbackPermission,
  readRolloutAnnotations,
  snapshotRoute,
  buildRolloutAction,
  readRolloutProgress,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { ClusterCaches } from '../cluster/ClusterCaches';
import { ClusterObjectCache } from '../cluster/ClusterObjectCache';
import { KubeApiError, KubeRequestError } from '../cluster/KubeApi';
import { NewAuditRecord } from '../database/AuditStore';
import { FIELD_MANAGER } from '../fieldManager';
import { EntityAccess } from './EntityAccess';
import { selectEntityObjects } from './entityNamespaces';
import {
  ClusterUnavailableError,
  StaleRequestError,
  UnprocessableError,
  clusterFailure,
} from '../errors';

// People act on releases that Argo Rollouts or Flagger drive, where each
// controller expects them to: a Rollout's spec.paused and status (as
// `kubectl argo rollouts` writes them), Flagger's webhook gates. The
// controllers keep owning the VirtualService; the plugin never writes it.
//
// Trust is the same as for routes: the catalog's permission on the entity,
// and the cluster binding the Rollout/Canary to the entity (its own
// backstage.io/kubernetes-id label, else its namespace's). On top, the
// object must drive one of the VirtualServices the entity's view shows: the
// tab offers actions only there, and a request needs the route to show.

/** The gate operations of FlaggerGateService that actions use. */
export interface FlaggerGateActions {
  open(input: {
    target: ControllerTarget;
    gate: Exclude<FlaggerGate, 'rollback'>;
    canary: unknown;
    actor: string;
    reason?: string;
    dryRun: boolean;
  }): Promise<{ description: string }>;
  rollback(input: {
    target: ControllerTarget;
    canary: unknown;
    actor: string;
    reason?: string;
    dryRun: boolean;
  }): Promise<{ description: string }>;
  /**
   * The URL Flagger calls for a gate of the Canary, token included; a
   * ServiceUnavailableError when no webhook secret is configured.
   */
  webhookUrl(
    baseUrl: string,
    target: ControllerTarget,
    gate: FlaggerGate,
  ): string;
}

/** How a caller other than the direct endpoint uses {@link ControllerActionService.act}. */
export interface ControllerActionOptions {
  /**
   * The permission to check instead of the action's own: a request is
   * validated (as a dry run) under the request permission.
   */
  permission?: ResourcePermission<'catalog-entity'>;
  /**
   * An approval: act only while the controller is where it was when the
   * change was requested (read fresh); otherwise StaleRequestError.
   */
  expect?: ControllerStateAtRequest;
  /**
   * Refuse (403, with this message) an action that raises the canary's
   * share: where owners must request, releasing goes through approval.
   */
  refuseRaising?: string;
}

/** What an action did, for the answer and for its audit record. */
export interface ControllerActionOutcome {
  result: ControllerActionResult;
  /** The controller's state before (the record's weightsBefore). */
  state: ControllerStateAtRequest;
  /** What was done (the record's weightsAfter). */
  details: ControllerActionRecordDetails;
}

/** What a promotion request for a controller action stores. */
export interface ControllerRequestPreview {
  /** The route the controller drives, for display. */
  target: RouteTarget;
  before: RouteSnapshot;
  /** What the next step would set, when it can be computed; else `before`. */
  plannedAfter: RouteSnapshot;
  /** The VirtualService's resourceVersion. */
  resourceVersion: string;
  /** Where the controller is: approval applies only there. */
  at: ControllerStateAtRequest;
  description: string;
}

const RAISING_ARGO_ACTIONS = ['promote', 'promote-full', 'retry', 'resume'];

/**
 * Whether an action moves traffic towards the new version (subject to
 * requests and approvals): Argo promote, promote-full, retry and resume,
 * and opening a Flagger confirm-* gate.
 */
export function raisesCanaryShare(action: ControllerAction): boolean {
  if (action.type === 'argo')
    return RAISING_ARGO_ACTIONS.includes(action.action);
  return action.type === 'flagger-open-gate';
}

/** The audit trail's action name: `argo-promote`, `flagger-open-gate`, `flagger-rollback`. */
export function controllerActionName(action: ControllerAction): string {
  return action.type === 'argo' ? `argo-${action.action}` : action.type;
}

/** The audit record of a controller action, before its outcome. */
export function controllerAuditRecord(args: {
  actor?: string;
  approver?: string;
  entityRef: string;
  target: ControllerTarget;
  action: ControllerAction;
  reason?: string;
  requestId?: string;
}): Omit<NewAuditRecord, 'outcome'> {
  const { target } = args;
  const record: Omit<NewAuditRecord, 'outcome'> = {
    actor: args.actor,
    approver: args.approver,
    entityRef: args.entityRef,
    action: controllerActionName(args.action),
    cluster: target.cluster,
    namespace: target.namespace,
    workload: `${target.kind}/${target.name}`,
    reason: args.reason,
    requestId: args.requestId,
  };
  // A gate is known before the outcome: a refused attempt says which.
  if (args.action.type === 'flagger-open-gate') {
    record.weightsAfter = {
      controller: target,
      action: args.action,
      description: `Open gate ${args.action.gate} of Canary ${target.namespace}/${target.name}`,
      gate: args.action.gate,
    } satisfies ControllerActionRecordDetails;
  }
  return Object.fromEntries(
    Object.entries(record).filter(([, v]) => v !== undefined),
  ) as Omit<NewAuditRecord, 'outcome'>;
}

/** What an audit record keeps of an action's outcome. */
export function controllerOutcomeRecord(
  outcome: ControllerActionOutcome,
): Partial<NewAuditRecord> {
  return {
    weightsBefore: outcome.state,
    weightsAfter: outcome.details,
    resourceVersionBefore: outcome.result.resourceVersionBefore,
    resourceVersionAfter: outcome.result.resourceVersionAfter,
  };
}

const VERBS: Record<string, string> = {
  'argo-promote': 'promote the releases of',
  'argo-promote-full': 'fully promote the releases of',
  'argo-abort': 'abort the releases of',
  'argo-retry': 'retry the releases of',
  'argo-pause': 'pause the releases of',
  'argo-resume': 'resume the releases of',
  'flagger-open-gate': 'open the release gates of',
  'flagger-rollback': 'roll back the releases of',
};

const FIRST_SYNC_WAIT_MS = 5_000;

/** Where the backend serves the plugin, below its base URL. */
const PLUGIN_PATH = '/api/istio-rollouts';

interface Located {
  ref: string;
  cache: ClusterObjectCache;
  /** The entity's VirtualService the object drives (the first, if several). */
  vs: VirtualServiceView;
  /** The object as just read from the API server. */
  object: any;
  path: string;
}

/**
 * Acts on Argo Rollouts and Flagger releases for an entity: checks the
 * entity's permissions, that the cluster binds the object to the entity,
 * and that it drives one of the entity's VirtualServices; then patches the
 * Rollout (fresh GET, guarded JSON patches) or opens a Flagger gate.
 */
export class ControllerActionService {
  constructor(
    private readonly options: {
      caches: ClusterCaches;
      access: EntityAccess;
      logger: LoggerService;
      /** Flagger's gates; without them, Flagger actions answer 503. */
      gates?: FlaggerGateActions;
      /** The backend's external URL, for the Flagger webhook URLs. */
      discovery?: DiscoveryService;
      /** After an action changed something: refresh the tabs that show it. */
      onChanged?: (cluster: string, namespace: string) => void;
    },
  ) {}

  async act(
    entityRef: CompoundEntityRef,
    request: ControllerActionRequest,
    credentials: BackstageCredentials,
    options: ControllerActionOptions = {},
  ): Promise<ControllerActionOutcome> {
    const { target, action } = request;
    const dryRun = Boolean(request.dryRun);
    const located = await this.prepare(
      entityRef,
      target,
      action,
      credentials,
      options.permission,
    );
    const outcome =
      target.kind === 'Rollout'
        ? await this.argo(located, request, dryRun, options)
        : await this.flagger(located, request, credentials, dryRun, options);
    if (!dryRun) this.options.onChanged?.(target.cluster, target.namespace);
    this.options.logger.info(
      `${dryRun ? 'dry run of ' : ''}${controllerActionName(action)} on ${
        target.cluster
      }/${target.namespace}/${target.kind}/${target.name} for ${located.ref}: ${
        outcome.result.description
      }`,
    );
    return outcome;
  }

  /**
   * Checks a requested controller action as a dry run under the request
   * permission, and says what the request stores: the route the controller
   * drives now and what its next step would make of it.
   */
  async preview(
    entityRef: CompoundEntityRef,
    change: ControllerActionChange,
    credentials: BackstageCredentials,
  ): Promise<ControllerRequestPreview> {
    if (!raisesCanaryShare(change.action)) {
      throw new InputError(
        `${controllerActionName(
          change.action,
        )} cannot be requested: it does not raise the canary's share, so it is always applied directly`,
      );
    }
    const request: ControllerActionRequest = {
      target: change.controller,
      action: change.action,
      dryRun: true,
    };
    const located = await this.prepare(
      entityRef,
      change.controller,
      change.action,
      credentials,
      istioRolloutsRequestPermission,
    );
    const outcome =
      change.controller.kind === 'Rollout'
        ? await this.argo(located, request, true, {})
        : await this.flagger(located, request, credentials, true, {});
    const route = drivenRoute(located);
    return {
      target: {
        cluster: change.controller.cluster,
        namespace: located.vs.namespace,
        virtualService: located.vs.name,
        route: route.name ?? route.index,
      },
      before: route,
      plannedAfter: plannedRoute(located, change.action, route) ?? route,
      resourceVersion: located.vs.resourceVersion ?? '',
      at: outcome.state,
      description: outcome.result.description,
    };
  }

  /**
   * The URLs of the plugin's four webhook gates for a Canary, with its
   * token, for the Canary's spec.analysis.webhooks. Checked as an action on
   * the Canary (bound to the entity, driving one of its VirtualServices),
   * under the apply permission: the token is for those who set up the
   * Canary's releases.
   */
  async flaggerWebhooks(
    entityRef: CompoundEntityRef,
    canary: { cluster: string; namespace: string; name: string },
    credentials: BackstageCredentials,
  ): Promise<FlaggerWebhooksResponse> {
    const target: ControllerTarget = {
      cluster: canary.cluster,
      namespace: canary.namespace,
      kind: 'Canary',
      name: canary.name,
    };
    const located = await this.prepare(
      entityRef,
      target,
      { type: 'flagger-open-gate', gate: 'confirm-rollout' },
      credentials,
      istioRolloutsApplyPermission,
      'see the Flagger webhook URLs (they carry a token) of',
    );
    const { gates, discovery, logger } = this.options;
    if (!gates || !discovery) {
      throw new ServiceUnavailableError(
        'Flagger gates are not served by this backend',
      );
    }
    // webhookUrl wants the backend's base URL: the plugin's, without the
    // path the backend serves the plugin at (the gates recognise their
    // webhooks by that path, so a URL elsewhere would not be theirs).
    const pluginUrl = (
      await discovery.getExternalBaseUrl('istio-rollouts')
    ).replace(/\/+$/, '');
    if (!pluginUrl.endsWith(PLUGIN_PATH)) {
      throw new ServiceUnavailableError(
        `The plugin's external URL ${pluginUrl} does not end with ${PLUGIN_PATH}, where Flagger's webhooks are served; the webhook URLs cannot be made from it`,
      );
    }
    const backendUrl = pluginUrl.slice(0, -PLUGIN_PATH.length);
    const webhooks = FLAGGER_GATES.map(gate => ({
      gate,
      url: gates.webhookUrl(backendUrl, target, gate),
    }));
    logger.info(
      `Flagger webhook URLs of ${target.cluster}/${target.namespace}/Canary/${
        target.name
      } shown to ${userOf(credentials)} for ${located.ref}`,
    );
    return { webhooks };
  }

  // Read permission, the action's permission, the object bound to the
  // entity and driving one of its VirtualServices, read fresh.
  private async prepare(
    entityRef: CompoundEntityRef,
    target: ControllerTarget,
    action: ControllerAction,
    credentials: BackstageCredentials,
    permission: ResourcePermission<'catalog-entity'> | undefined,
    /** What `permission` allows, for its refusal; default requesting. */
    verb?: string,
  ): Promise<Located> {
    const { access } = this.options;
    await access.authorize(
      entityRef,
      istioRolloutsReadPermission,
      credentials,
      'see the rollouts of',
    );
    if ((target.kind === 'Rollout') !== (action.type === 'argo')) {
      throw new InputError(
        `${action.type === 'argo' ? 'Argo Rollouts' : 'Flagger'} action ${
          action.type
        } cannot act on a ${target.kind}`,
      );
    }
    const { ref, entity } = await this.authorizeAction(
      entityRef,
      action,
      credentials,
      permission,
      verb,
    );
    const { cache, views } = await this.entityViews(
      ref,
      entity,
      target.cluster,
    );
    const controller = target.kind === 'Rollout' ? 'argo-rollouts' : 'flagger';
    const vs = views.find(
      v =>
        v.managedBy?.controller === controller &&
        v.managedBy.namespace === target.namespace &&
        v.managedBy.name === target.name,
    );
    if (!vs) {
      throw new NotFoundError(
        `${target.kind} ${target.namespace}/${target.name} drives none of ${ref}'s VirtualServices on cluster ${target.cluster}`,
      );
    }
    const path = cache.objectPath(
      target.kind === 'Rollout' ? 'rollouts' : 'canaries',
      target.namespace,
      target.name,
    );
    const what = `${target.kind} ${target.namespace}/${target.name}`;
    let object: any;
    try {
      object = await cache.api.get<any>(path);
    } catch (error) {
      if (error instanceof KubeRequestError) {
        throw clusterFailure(error, {
          cluster: cache.name,
          what,
          phase: 'before-write',
        });
      }
      if (error instanceof KubeApiError && error.statusCode === 404) {
        throw new NotFoundError(
          `${what} does not exist on cluster ${target.cluster}`,
        );
      }
      throw error;
    }
    // Checked on the object as just read: its labels decide, not the cache's.
    const refusal = access.objectRefusal(await access.binding(entity), cache, {
      kind: target.kind,
      metadata: object?.metadata,
    });
    if (refusal) throw new NotAllowedError(`Read-only here: ${refusal}`);
    return { ref, cache, vs, object, path };
  }

  // Raising the canary's share needs the apply permission (or, to ask for
  // it, the request permission); abort, pause and rollback lower the risk
  // and need the rollback permission, and are always direct.
  private async authorizeAction(
    entityRef: CompoundEntityRef,
    action: ControllerAction,
    credentials: BackstageCredentials,
    permission: ResourcePermission<'catalog-entity'> | undefined,
    permissionVerb: string = 'request releases of',
  ): Promise<{ ref: string; entity: Entity }> {
    const { access } = this.options;
    const verb =
      VERBS[controllerActionName(action)] ?? 'act on the releases of';
    if (permission) {
      return access.authorize(
        entityRef,
        permission,
        credentials,
        permissionVerb,
      );
    }
    const raising = raisesCanaryShare(action);
    try {
      return await access.authorize(
        entityRef,
        raising
          ? istioRolloutsApplyPermission
          : istioRolloutsRollbackPermission,
        credentials,
        verb,
      );
    } catch (error) {
      if (!raising || !(error instanceof NotAllowedError)) throw error;
      const mayRequest = await access
        .authorize(
          entityRef,
          istioRolloutsRequestPermission,
          credentials,
          'request releases of',
        )
        .then(
          () => true,
          () => false,
        );
      if (!mayRequest) throw error;
      throw new NotAllowedError(
        `${error.message}: create a promotion request for an owner to approve`,
      );
    }
  }

  private async argo(
    located: Located,
    request: ControllerActionRequest,
    dryRun: boolean,
    options: ControllerActionOptions,
  ): Promise<ControllerActionOutcome> {
    const { cache, object, path } = located;
    const { target, action } = request;
    if (action.type !== 'argo') throw new InputError('Not an Argo action');
    const what = `Rollout ${target.namespace}/${target.name}`;
    const state = argoState(object);
    if (options.expect) {
      const moved = argoMoved(options.expect, state);
      if (moved) {
        throw new StaleRequestError(
          `${what} moved on since the request (${moved}); nothing was applied. Request it again if it is still wanted.`,
        );
      }
    }
    const plan = buildRolloutAction(action.action, object);
    if (!plan.ok) {
      throw plan.status === 409
        ? new ConflictError(plan.message)
        : new UnprocessableError(plan.message);
    }
    if (options.refuseRaising && raisesCanaryShare(action)) {
      throw new NotAllowedError(options.refuseRaising);
    }
    const patches = plan.requests.map(r =>
      r.subresource
        ? { subresource: r.subresource, patch: r.patch as unknown[] }
        : { patch: r.patch as unknown[] },
    );
    const details: ControllerActionRecordDetails = {
      controller: target,
      action,
      description: plan.description,
      patches,
    };
    const resourceVersionBefore = state.resourceVersion;
    let stored: any = object;
    for (const [i, write] of plan.requests.entries()) {
      const subpath = write.subresource === 'status' ? `${path}/status` : path;
      try {
        stored = await cache.api.jsonPatch<any>(
          subpath,
          write.patch,
          FIELD_MANAGER,
          dryRun,
        );
      } catch (error) {
        throw argoWriteError(error, {
          cache,
          what,
          dryRun,
          index: i,
          count: plan.requests.length,
          subresource: write.subresource,
          intended: {
            weightsBefore: state,
            weightsAfter: details,
            resourceVersionBefore,
          },
        });
      }
    }
    return {
      state,
      details,
      result: {
        dryRun,
        description: plan.description,
        patches,
        resourceVersionBefore,
        ...(dryRun
          ? {}
          : {
              resourceVersionAfter: String(
                stored?.metadata?.resourceVersion ?? '',
              ),
            }),
      },
    };
  }

  private async flagger(
    located: Located,
    request: ControllerActionRequest,
    credentials: BackstageCredentials,
    dryRun: boolean,
    options: ControllerActionOptions,
  ): Promise<ControllerActionOutcome> {
    const { object } = located;
    const { target, action } = request;
    if (action.type === 'argo') throw new InputError('Not a Flagger action');
    const what = `Canary ${target.namespace}/${target.name}`;
    const state = flaggerState(object);
    if (options.expect) {
      const moved = flaggerMoved(options.expect, state, action);
      if (moved) {
        throw new StaleRequestError(
          `${what} moved on since the request (${moved}); nothing was applied. Request it again if it is still wanted.`,
        );
      }
    }
    if (options.refuseRaising && raisesCanaryShare(action)) {
      throw new NotAllowedError(options.refuseRaising);
    }
    const { gates } = this.options;
    if (!gates) {
      throw new ServiceUnavailableError(
        `Flagger gates are not served by this backend; nothing was changed`,
      );
    }
    const actor = userOf(credentials);
    const answer =
      action.type === 'flagger-open-gate'
        ? await gates.open({
            target,
            gate: action.gate,
            canary: object,
            actor,
            reason: request.reason,
            dryRun,
          })
        : await gates.rollback({
            target,
            canary: object,
            actor,
            reason: request.reason,
            dryRun,
          });
    return {
      state,
      details: {
        controller: target,
        action,
        description: answer.description,
        gate: action.type === 'flagger-open-gate' ? action.gate : 'rollback',
      },
      result: {
        dryRun,
        description: answer.description,
        // Nothing is written to the cluster: Flagger asks the plugin.
        resourceVersionBefore: state.resourceVersion,
      },
    };
  }

  // The VirtualServices the entity's view shows on the cluster.
  private async entityViews(ref: string, entity: Entity, cluster: string) {
    const annotations = readRolloutAnnotations(entity);
    this.options.access.assertClusterPin(ref, annotations, cluster);
    const cache = this.options.caches.get(cluster);
    if (!cache) {
      throw new NotFoundError(`Cluster '${cluster}' is not configured`);
    }
    await cache.waitForSync(FIRST_SYNC_WAIT_MS);
    const error = cache.error();
    if (error?.type === 'unreachable') {
      throw new ClusterUnavailableError(
        `Cluster ${cluster} cannot be reached; nothing was changed (nothing was sent). Try again when the cluster is back.`,
      );
    }
    if (error) {
      throw new UnprocessableError(
        `Cluster ${cluster} cannot be read: ${error.message}`,
      );
    }
    const selected = selectEntityObjects(annotations, cache);
    return { cache, views: buildVirtualServiceViews(selected) };
  }
}

function userOf(credentials: BackstageCredentials): string {
  const principal = credentials.principal as {
    type?: string;
    userEntityRef?: string;
  };
  if (principal.type !== 'user' || !principal.userEntityRef) {
    throw new NotAllowedError('Release actions are taken by signed-in users');
  }
  return principal.userEntityRef;
}

function argoState(rollout: any): ControllerStateAtRequest {
  const progress = readRolloutProgress(rollout);
  const parts: string[] = [];
  if (progress.phase) parts.push(progress.phase);
  if (progress.totalSteps > 0) {
    parts.push(
      `step ${progress.completedSteps ?? 0} of ${progress.totalSteps}`,
    );
  }
  if (progress.pauseConditions.length) {
    parts.push(
      `paused (${progress.pauseConditions.map(c => c.reason).join(', ')})`,
    );
  }
  if (progress.pausedByUser) parts.push('paused by a user');
  if (progress.aborted) parts.push('aborted');
  if (progress.trafficWeights) {
    parts.push(`canary weight ${progress.trafficWeights.canary}%`);
  }
  const state: ControllerStateAtRequest = {
    resourceVersion: String(rollout?.metadata?.resourceVersion ?? ''),
    stepIndex: progress.currentStepIndex ?? 0,
    summary: parts.join(', ') || 'not reconciled yet',
  };
  if (progress.currentPodHash) state.podHash = progress.currentPodHash;
  return state;
}

// Argo: the same version at the same step, or why not.
function argoMoved(
  expected: ControllerStateAtRequest,
  now: ControllerStateAtRequest,
): string | undefined {
  if ((expected.podHash ?? '') !== (now.podHash ?? '')) {
    return `it rolls out ${now.podHash ?? 'nothing'} now, not ${
      expected.podHash ?? 'nothing'
    }`;
  }
  if ((expected.stepIndex ?? 0) !== (now.stepIndex ?? 0)) {
    return `it is at step index ${now.stepIndex ?? 0} now, not ${
      expected.stepIndex ?? 0
    }`;
  }
  return undefined;
}

function flaggerState(canary: any): ControllerStateAtRequest {
  const status = canary?.status ?? {};
  const parts: string[] = [];
  if (typeof status.phase === 'string') parts.push(status.phase);
  if (typeof status.canaryWeight === 'number') {
    parts.push(`canary weight ${status.canaryWeight}%`);
  }
  const state: ControllerStateAtRequest = {
    resourceVersion: String(canary?.metadata?.resourceVersion ?? ''),
    summary: parts.join(', ') || 'not initialized yet',
  };
  if (typeof status.lastAppliedSpec === 'string') {
    state.revision = status.lastAppliedSpec;
  }
  if (typeof status.canaryWeight === 'number') {
    state.canaryWeight = status.canaryWeight;
  }
  return state;
}

// Flagger: the same revision, and for a traffic increase the same weight
// (each increase is approved on its own).
function flaggerMoved(
  expected: ControllerStateAtRequest,
  now: ControllerStateAtRequest,
  action: ControllerAction,
): string | undefined {
  if ((expected.revision ?? '') !== (now.revision ?? '')) {
    return `it analyses revision ${now.revision ?? 'none'} now, not ${
      expected.revision ?? 'none'
    }`;
  }
  if (
    action.type === 'flagger-open-gate' &&
    action.gate === 'confirm-traffic-increase' &&
    (expected.canaryWeight ?? 0) !== (now.canaryWeight ?? 0)
  ) {
    return `its canary weight is ${now.canaryWeight ?? 0}% now, not ${
      expected.canaryWeight ?? 0
    }%`;
  }
  return undefined;
}

// A failed `test` means the Rollout moved on since it was read (422 with a
// generic message, or 409); the rest as for other writes.
function argoWriteError(
  error: unknown,
  args: {
    cache: ClusterObjectCache;
    what: string;
    dryRun: boolean;
    index: number;
    count: number;
    subresource: 'status' | undefined;
    intended: {
      weightsBefore: unknown;
      weightsAfter: unknown;
      resourceVersionBefore: string;
    };
  },
): Error {
  const { cache, what, dryRun, index, count } = args;
  const partly =
    index > 0 && !dryRun
      ? ` The first write (${count} in all) was applied; look at the Rollout before acting again.`
      : '';
  if (error instanceof KubeRequestError) {
    return clusterFailure(error, {
      cluster: cache.name,
      what,
      phase: dryRun ? 'dry-run' : 'write',
      intended: args.intended,
    });
  }
  if (!(error instanceof KubeApiError)) return error as Error;
  const failedTest =
    error.statusCode === 409 ||
    (error.statusCode === 422 &&
      /testing|test operation|the server rejected our request due to an error in our request/i.test(
        error.message,
      ));
  if (failedTest) {
    return new ConflictError(
      index === 0
        ? `${what} changed since you looked (resourceVersion ${args.intended.resourceVersionBefore}); nothing was changed. Look at it again and retry.`
        : `${what} changed between the writes of this action; the last one was not applied.${partly}`,
    );
  }
  const resource = `${what}${args.subresource ? `/${args.subresource}` : ''}`;
  switch (error.statusCode) {
    case 403:
      return new NotAllowedError(
        `The plugin's Kubernetes identity may not patch ${resource} (RBAC): ${error.message}.${partly}`,
      );
    case 404:
      return new NotFoundError(`${what} does not exist.${partly}`);
    case 400:
    case 422:
      return new UnprocessableError(
        `The cluster refused the change to ${resource}: ${error.message}.${partly}`,
      );
    default:
      return error;
  }
}

// The route a controller drives in its VirtualService: the first route
// Argo names for it (or the first route when it names none); Flagger's
// first route to the canary. As a snapshot of the route in the cache.
function drivenRoute(located: Located): RouteSnapshot {
  const raw = located.cache.find(
    'virtualServices',
    located.vs.namespace,
    located.vs.name,
  );
  const http: any[] = Array.isArray(raw?.spec?.http) ? raw.spec.http : [];
  let index = 0;
  const object = located.object;
  if (
    object?.kind === 'Rollout' ||
    located.vs.managedBy?.controller === 'argo-rollouts'
  ) {
    const istio = object?.spec?.strategy?.canary?.trafficRouting?.istio;
    const refs: any[] = [
      ...(istio?.virtualService ? [istio.virtualService] : []),
      ...(Array.isArray(istio?.virtualServices) ? istio.virtualServices : []),
    ];
    const ref = refs.find(
      r =>
        r?.name === located.vs.name ||
        r?.name === `${located.vs.namespace}/${located.vs.name}`,
    );
    const names: string[] = Array.isArray(ref?.routes) ? ref.routes : [];
    const named = http.findIndex(r => names.includes(r?.name));
    if (named >= 0) index = named;
  } else {
    const canaryHost = `${flaggerServiceName(object)}-canary`;
    const found = http.findIndex(r =>
      (r?.route ?? []).some(
        (d: any) => shortHost(d?.destination?.host) === canaryHost,
      ),
    );
    if (found >= 0) index = found;
  }
  return snapshotRoute(http[index], index);
}

function shortHost(host: unknown): string {
  return typeof host === 'string' ? host.split('.')[0] : '';
}

function flaggerServiceName(canary: any): string {
  return String(
    canary?.spec?.service?.name ?? canary?.spec?.targetRef?.name ?? '',
  );
}

// The route as the controller's next step would set it, when that can be
// computed from the object; undefined otherwise (the request then shows the
// route as it is).
function plannedRoute(
  located: Located,
  action: ControllerAction,
  before: RouteSnapshot,
): RouteSnapshot | undefined {
  const object = located.object;
  let canaryWeight: number | undefined;
  let canaryHost: string;
  let stableHost: string;
  if (action.type === 'argo') {
    const canary = object?.spec?.strategy?.canary;
    if (!canary?.canaryService || !canary?.stableService) return undefined;
    canaryHost = canary.canaryService;
    stableHost = canary.stableService;
    const steps: any[] = Array.isArray(canary.steps) ? canary.steps : [];
    const index = Number(object?.status?.currentStepIndex ?? 0);
    const nextWeight = (from: number) =>
      steps.slice(from).find(s => typeof s?.setWeight === 'number')?.setWeight;
    switch (action.action) {
      case 'promote':
        canaryWeight = nextWeight(index + 1) ?? 100;
        break;
      case 'promote-full':
        canaryWeight = 100;
        break;
      case 'retry':
        canaryWeight = nextWeight(0) ?? 100;
        break;
      default:
        return undefined;
    }
  } else if (action.type === 'flagger-open-gate') {
    const service = flaggerServiceName(object);
    canaryHost = `${service}-canary`;
    stableHost = `${service}-primary`;
    const analysis = object?.spec?.analysis ?? {};
    const stepWeights: number[] = Array.isArray(analysis.stepWeights)
      ? analysis.stepWeights.filter((w: unknown) => typeof w === 'number')
      : [];
    const stepWeight =
      typeof analysis.stepWeight === 'number' ? analysis.stepWeight : undefined;
    const max =
      typeof analysis.maxWeight === 'number' ? analysis.maxWeight : 100;
    const current = Number(object?.status?.canaryWeight ?? 0);
    if (action.gate === 'confirm-rollout') {
      canaryWeight = stepWeights[0] ?? stepWeight;
    } else if (action.gate === 'confirm-traffic-increase') {
      if (stepWeights.length) {
        canaryWeight = stepWeights.find(w => w > current);
      } else if (stepWeight !== undefined) {
        canaryWeight = Math.min(current + stepWeight, max);
      }
    }
    if (canaryWeight === undefined) return undefined;
  } else {
    return undefined;
  }
  const canary = before.destinations.findIndex(
    d => shortHost(d.host) === canaryHost,
  );
  const stable = before.destinations.findIndex(
    d => shortHost(d.host) === stableHost,
  );
  if (canary < 0 || stable < 0 || canaryWeight === undefined) return undefined;
  const weight = Math.max(0, Math.min(100, canaryWeight));
  return {
    ...before,
    destinations: before.destinations.map((d, i) => {
      if (i === canary) return { ...d, weight };
      if (i === stable) return { ...d, weight: 100 - weight };
      return d;
    }),
  };
}
