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

// The plugin's actions in Backstage's actions registry, for agents and
// pipelines (the MCP actions backend serves them as tools). They read, ask
// and preview — never approve, apply or roll back: a person decides every
// change, and the four-eyes rule holds as in the tab. Each runs as the
// calling user, through the same permission checks and audit as the HTTP API.

import {
  AuthService,
  BackstageCredentials,
} from '@backstage/backend-plugin-api';
import { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import {
  CompoundEntityRef,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { InputError, NotAllowedError } from '@backstage/errors';
import {
  PROMOTION_REQUEST_STATUSES,
  ROUTE_OPERATION_TYPES,
  ROUTING_OBJECT_KINDS,
  isPromotionRequestStatus,
  istioRolloutsReadPermission,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { EntityAccess } from '../service/EntityAccess';
import { PromotionRequestService } from '../service/PromotionRequestService';
import { RolloutViewService } from '../service/RolloutViewService';
import { RouteActionService } from '../service/RouteActionService';
import {
  createPromotionRequestSchema,
  entityRefFromParams,
  parseBody,
  routeActionRequestSchema,
} from '../service/requestSchemas';
import {
  compactPromotionRequest,
  compactRolloutView,
  describeSnapshot,
} from './compactViews';

/** What the actions need: the services behind the HTTP API. */
export interface RolloutActionsOptions {
  actionsRegistry: ActionsRegistryService;
  auth: AuthService;
  access: EntityAccess;
  views: RolloutViewService;
  requests: PromotionRequestService;
  routeActions: RouteActionService;
}

// The registry checks the input's shape before an action runs, but says
// only "Invalid input"; ranges and names are left to the HTTP API's own
// schemas inside each action, whose messages name the field and the rule.
const entityRefDescription =
  "The catalog entity, e.g. 'component:default/reviews' (kind and namespace may be left out: component, default)";

function entityRefOf(ref: string): CompoundEntityRef {
  let parsed: CompoundEntityRef;
  try {
    parsed = parseEntityRef(ref, {
      defaultKind: 'component',
      defaultNamespace: 'default',
    });
  } catch (error) {
    throw new InputError(
      `entityRef: '${ref}' is not an entity reference (${
        (error as Error).message
      })`,
    );
  }
  return entityRefFromParams({
    kind: parsed.kind,
    namespace: parsed.namespace,
    name: parsed.name,
  });
}

// Changes need a person: a service's token would pass the permission
// framework without the policy being asked.
function assertUser(auth: AuthService, credentials: BackstageCredentials) {
  if (!auth.isPrincipal(credentials, 'user')) {
    throw new NotAllowedError(
      'Promotion requests and previews are made on behalf of a signed-in user; call with a user token',
    );
  }
}

/** Registers the plugin's actions: two reads, one request, one preview. */
export function registerRolloutActions(options: RolloutActionsOptions) {
  const { actionsRegistry, auth, access, views, requests, routeActions } =
    options;

  actionsRegistry.register({
    name: 'get-rollout-view',
    title: 'Get the rollout view of a service',
    description:
      "Per cluster and route: the release strategy (canary, blue-green, targeted, mirror, rolling, managed) with a one-line explanation, the traffic split by version, the versions with ready pods and images, warnings, whether this entity may change the route, and the traffic each version really received when metrics are configured. Needs the 'istio-rollouts.rollout.read' permission on the entity.",
    attributes: { readOnly: true, idempotent: true, destructive: false },
    schema: {
      input: z =>
        z.object({ entityRef: z.string().describe(entityRefDescription) }),
      output: z =>
        z.object({
          entityRef: z.string(),
          generatedAt: z.string(),
          clusters: z.array(
            z
              .object({
                cluster: z.string(),
                error: z.string().optional(),
                stale: z.string().optional(),
                routingObjects: z.array(z.object({}).passthrough()),
              })
              .passthrough(),
          ),
        }),
    },
    action: async ({ input, credentials }) => {
      const { entity } = await access.authorize(
        entityRefOf(input.entityRef),
        istioRolloutsReadPermission,
        credentials,
        'see the rollouts of',
      );
      return {
        output: compactRolloutView(await views.getEntityView(entity)) as any,
      };
    },
  });

  actionsRegistry.register({
    name: 'list-promotion-requests',
    title: "List a service's promotion requests",
    description:
      "The entity's promotion requests, newest first: what was asked (weights, next step, full promotion), by whom, why, the split before and as planned, and the decision. By default only those waiting for an owner ('pending'). Needs the 'istio-rollouts.rollout.read' permission on the entity.",
    attributes: { readOnly: true, idempotent: true, destructive: false },
    schema: {
      input: z =>
        z.object({
          entityRef: z.string().describe(entityRefDescription),
          statuses: z
            .array(z.string())
            .optional()
            .describe(
              `Which requests: any of ${PROMOTION_REQUEST_STATUSES.join(
                ', ',
              )}; default pending`,
            ),
        }),
      output: z => z.object({ requests: z.array(z.object({}).passthrough()) }),
    },
    action: async ({ input, credentials }) => {
      const statuses = input.statuses ?? ['pending'];
      const unknown = statuses.filter(s => !isPromotionRequestStatus(s));
      if (unknown.length) {
        throw new InputError(
          `statuses: ${unknown.join(', ')} ${
            unknown.length === 1 ? 'is not a status' : 'are not statuses'
          }; use ${PROMOTION_REQUEST_STATUSES.join(', ')}`,
        );
      }
      const ref = entityRefOf(input.entityRef);
      await access.authorize(
        ref,
        istioRolloutsReadPermission,
        credentials,
        'see the promotion requests of',
      );
      const items = await requests.list(ref, {
        statuses: statuses.filter(isPromotionRequestStatus),
        limit: 50,
      });
      return {
        output: { requests: items.map(compactPromotionRequest) as any },
      };
    },
  });

  actionsRegistry.register({
    name: 'request-promotion',
    title: 'Ask the owners to move traffic',
    description:
      "Creates a promotion request that the service's owners approve or reject in Backstage: set the weights, go to the next canary step, or promote fully, with a reason. Nothing changes until an owner approves (and the requester can never approve their own request). Needs the 'istio-rollouts.promotion.request' permission on the entity. Use get-rollout-view first to find the cluster, namespace, routing object and route.",
    // It changes nothing in any cluster: it asks. Each call asks again.
    attributes: { readOnly: false, destructive: false, idempotent: false },
    schema: {
      input: z =>
        z.object({
          entityRef: z.string().describe(entityRefDescription),
          target: z
            .object({
              cluster: z.string(),
              namespace: z.string(),
              virtualService: z
                .string()
                .describe('The VirtualService (or HTTPRoute) name'),
              route: z
                .union([z.number(), z.string()])
                .describe('The route (rule) index, or its name'),
              kind: z
                .enum(ROUTING_OBJECT_KINDS)
                .optional()
                .describe('Default VirtualService'),
            })
            .describe('The route, as get-rollout-view names it'),
          change: z
            .object({
              type: z.enum(['set-weights', 'promote-next', 'promote-full']),
              weights: z
                .array(
                  z.object({
                    host: z.string(),
                    subset: z.string().optional(),
                    port: z.number().optional(),
                    weight: z.number(),
                  }),
                )
                .optional()
                .describe(
                  'set-weights only: every destination of the route with its weight; weights add up to 100',
                ),
            })
            .describe('What the owners are asked to do'),
          reason: z
            .string()
            .describe('Why: the owners read it when they decide'),
        }),
      output: z =>
        z.object({
          request: z.object({ id: z.string() }).passthrough(),
          summary: z.string(),
        }),
    },
    action: async ({ input, credentials }) => {
      assertUser(auth, credentials);
      const ref = entityRefOf(input.entityRef);
      const { type, weights } = input.change;
      const body = parseBody(createPromotionRequestSchema, {
        target: input.target,
        change: type === 'set-weights' ? { type, weights } : { type },
        reason: input.reason,
      });
      const created = await requests.create(ref, body, credentials);
      const request = compactPromotionRequest(created);
      return {
        output: {
          request: {
            ...request,
            warnings: (created.warnings ?? []).map(w => w.message),
          } as any,
          summary: `Request ${created.id} is pending: ${request.before} → ${
            request.plannedAfter
          } on ${created.target.cluster} ${created.target.namespace}/${
            created.target.virtualService
          }, for an owner of ${stringifyEntityRef(
            ref,
          )} to approve or reject before ${created.expiresAt}.`,
        },
      };
    },
  });

  actionsRegistry.register({
    name: 'plan-route-action',
    title: 'Preview a traffic change (dry run)',
    description: `Plans a route action exactly as the entity's tab previews it and returns the plan: the JSON Patch, the route before and after, and warnings. Nothing is applied: to make the change, ask the owners with request-promotion. Operations: ${ROUTE_OPERATION_TYPES.join(
      ', ',
    )} (same bodies as the HTTP API's route-actions). Needs the permission the change itself needs on the entity ('istio-rollouts.promotion.apply', or 'istio-rollouts.rollback' for rollback).`,
    attributes: { readOnly: true, idempotent: true, destructive: false },
    schema: {
      input: z =>
        z.object({
          entityRef: z.string().describe(entityRefDescription),
          target: z.object({
            cluster: z.string(),
            namespace: z.string(),
            virtualService: z.string(),
            route: z.union([z.number(), z.string()]),
            kind: z.enum(ROUTING_OBJECT_KINDS).optional(),
          }),
          operation: z
            .object({ type: z.string() })
            .passthrough()
            .describe(
              "The operation, e.g. { type: 'promote-next' } or { type: 'set-weights', weights: [...] }",
            ),
        }),
      output: z =>
        z.object({
          before: z.string(),
          after: z.string(),
          patch: z.array(z.object({}).passthrough()),
          warnings: z.array(z.string()),
        }),
    },
    action: async ({ input, credentials }) => {
      assertUser(auth, credentials);
      const ref = entityRefOf(input.entityRef);
      const body = parseBody(routeActionRequestSchema, {
        target: input.target,
        operation: input.operation,
        dryRun: true,
      });
      // A preview: RouteActionService writes nothing on a dry run, and the
      // HTTP API records no audit row for one either.
      const plan = await routeActions.applyRouteAction(ref, body, credentials);
      return {
        output: {
          before: describeSnapshot(plan.before),
          after: describeSnapshot(plan.after),
          patch: plan.patch as any,
          warnings: plan.warnings.map(w => w.message),
        },
      };
    },
  });
}
