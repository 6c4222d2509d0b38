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

import { CompoundEntityRef } from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';
import {
  ARGO_ROLLOUT_ACTIONS,
  AUDIT_EXPORT_FORMATS,
  AUDIT_OUTCOMES,
  AuditExportFormat,
  AuditExportQuery,
  AuditQuery,
  ControllerActionChange,
  ControllerActionRequest,
  CreatePromotionRequest,
  DecidePromotionRequest,
  FLAGGER_GATES,
  PROMOTION_REQUEST_STATUSES,
  PromotionRequestListQuery,
  RELEASE_IN_FLIGHT_STRATEGIES,
  REQUESTABLE_OPERATION_TYPES,
  ROUTING_OBJECT_KINDS,
  ReleasesInFlightQuery,
  RequestedRouteChange,
  RouteActionRequest,
  RouteOperation,
  RouteTarget,
  ScaleRequest,
  isValidNamespaceName,
  isValidObjectName,
  isValidSubsetName,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { z } from 'zod';

// Request bodies are checked here, before anything reaches a cluster:
// shapes, types and Kubernetes names. Whether an operation makes sense for
// the route is decided by the planner, against the object itself. Each
// schema `satisfies` the request type of the common package, so what it
// parses is used as that type without a cast, and a field the type needs
// that the schema does not give fails to compile.

// Only the output is compared: query strings come in as text.
type SchemaOf<T> = z.ZodType<T, z.ZodTypeDef, unknown>;

const namespace = z
  .string()
  .refine(isValidNamespaceName, 'must be a valid Kubernetes namespace name');
const objectName = z
  .string()
  .refine(isValidObjectName, 'must be a valid Kubernetes object name');
const cluster = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9][-A-Za-z0-9_.]*$/, 'must be a configured cluster name');
const host = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9*]([-A-Za-z0-9.*]*[A-Za-z0-9])?$/, 'must be a host name');
const percent = z
  .number()
  .int('must be a whole number')
  .min(0, 'must be at least 0')
  .max(100, 'must be at most 100');

const destination = z
  .object({
    host,
    subset: z
      .string()
      .refine(
        isValidSubsetName,
        "must be a subset name (lowercase letters, digits and '-')",
      )
      .optional(),
    port: z.number().int().min(1).max(65535).optional(),
  })
  .strict();
const steps = z
  .array(z.number().int().min(1).max(100))
  .min(1)
  .max(20)
  .optional();

const operation = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('set-weights'),
      weights: z
        .array(destination.extend({ weight: percent }))
        .min(1)
        .max(20),
    })
    .strict(),
  z
    .object({ type: z.literal('start-canary'), canary: destination, steps })
    .strict(),
  z
    .object({
      type: z.literal('promote-next'),
      steps,
      stable: destination.optional(),
    })
    .strict(),
  z
    .object({ type: z.literal('promote-full'), stable: destination.optional() })
    .strict(),
  z.object({ type: z.literal('flip') }).strict(),
  z
    .object({ type: z.literal('rollback'), stable: destination.optional() })
    .strict(),
  z
    .object({
      type: z.literal('target-users'),
      match: z
        .object({
          kind: z.enum(['header', 'cookie']),
          name: z
            .string()
            .min(1)
            .max(256)
            .regex(
              /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/,
              'must be a header or cookie name',
            ),
          value: z.string().min(1).max(1024),
          operator: z.enum(['exact', 'prefix', 'regex']).optional(),
        })
        .strict(),
      to: destination,
    })
    .strict(),
  z
    .object({
      type: z.literal('remove-targeting'),
      routeName: z.string().min(1).max(253),
    })
    .strict(),
  z
    .object({
      type: z.literal('set-mirror'),
      to: destination,
      percentage: z.number().gt(0).max(100),
    })
    .strict(),
  z.object({ type: z.literal('remove-mirror') }).strict(),
  z
    .object({ type: z.literal('finish'), scaleDownOld: z.boolean().optional() })
    .strict(),
]) satisfies SchemaOf<RouteOperation>;

const target = z
  .object({
    cluster,
    namespace,
    virtualService: objectName,
    route: z.union([
      z.number().int().min(0).max(1000),
      z.string().min(1).max(253),
    ]),
    kind: z.enum(ROUTING_OBJECT_KINDS).optional(),
  })
  .strict() satisfies SchemaOf<RouteTarget>;

export const routeActionRequestSchema = z
  .object({
    target,
    operation,
    dryRun: z.boolean().optional(),
    reason: z.string().max(1000).optional(),
    allowUnready: z
      .object({ reason: z.string().trim().min(1, 'must say why') })
      .strict()
      .optional(),
  })
  .strict() satisfies SchemaOf<RouteActionRequest>;

export const scaleRequestSchema = z
  .object({
    cluster,
    namespace,
    deployment: objectName,
    replicas: z.number().int('must be a whole number').min(0).max(1000),
    dryRun: z.boolean().optional(),
    reason: z.string().max(1000).optional(),
  })
  .strict() satisfies SchemaOf<ScaleRequest>;

export const auditQuerySchema = z
  .object({
    entityRef: z.string().max(500).optional(),
    actor: z.string().max(500).optional(),
    action: z.string().max(100).optional(),
    outcome: z.enum(AUDIT_OUTCOMES).optional(),
    hideObserved: z
      .enum(['true', 'false'], {
        errorMap: () => ({ message: "must be 'true' or 'false'" }),
      })
      .transform(v => v === 'true')
      .optional(),
    from: z
      .string()
      .datetime({ offset: true, message: 'must be an ISO 8601 time' })
      .optional(),
    to: z
      .string()
      .datetime({ offset: true, message: 'must be an ISO 8601 time' })
      .optional(),
    limit: z.coerce.number().int().min(1).max(500).optional(),
    cursor: z.string().max(200).optional(),
  })
  .strict() satisfies SchemaOf<AuditQuery>;

// The Rollout or Canary a controller action is aimed at.
const controllerTarget = z
  .object({
    cluster,
    namespace,
    kind: z.enum(['Rollout', 'Canary']),
    name: objectName,
  })
  .strict();

const controllerAction = z.discriminatedUnion('type', [
  z
    .object({ type: z.literal('argo'), action: z.enum(ARGO_ROLLOUT_ACTIONS) })
    .strict(),
  z
    .object({
      type: z.literal('flagger-open-gate'),
      // Rollback is an action of its own, not a gate to open.
      gate: z.enum(FLAGGER_GATES).exclude(['rollback']),
    })
    .strict(),
  z.object({ type: z.literal('flagger-rollback') }).strict(),
]);

// Argo actions act on a Rollout, Flagger's on a Canary.
function kindMatches(
  value: {
    target?: { kind: string };
    controller?: { kind: string };
    action: { type: string };
  },
  ctx: z.RefinementCtx,
  field: 'target' | 'controller',
) {
  const kind = value[field]?.kind;
  const wanted = value.action.type === 'argo' ? 'Rollout' : 'Canary';
  if (kind && kind !== wanted) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: [field, 'kind'],
      message: `must be ${wanted} for a${
        value.action.type === 'argo' ? 'n Argo Rollouts' : ' Flagger'
      } action`,
    });
  }
}

export const controllerActionRequestSchema = z
  .object({
    target: controllerTarget,
    action: controllerAction,
    dryRun: z.boolean().optional(),
    reason: z.string().max(1000).optional(),
  })
  .strict()
  .superRefine((value, ctx) =>
    kindMatches(value, ctx, 'target'),
  ) satisfies SchemaOf<ControllerActionRequest>;

// Only what raises the canary's share is requested; abort, pause and
// Flagger's rollback lower the risk and are always direct.
const controllerActionChange = z
  .object({
    type: z.literal('controller-action'),
    controller: controllerTarget,
    action: controllerAction,
  })
  .strict()
  .superRefine((value, ctx) => {
    kindMatches(value, ctx, 'controller');
    const { action } = value;
    const raising =
      action.type === 'flagger-open-gate' ||
      (action.type === 'argo' &&
        ['promote', 'promote-full', 'retry', 'resume'].includes(action.action));
    if (!raising) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['action'],
        message: `'${
          action.type === 'argo' ? `argo ${action.action}` : action.type
        }' cannot be requested: it does not raise the canary's share, so it is always applied directly`,
      });
    }
  }) satisfies SchemaOf<ControllerActionChange>;

// Recognises a controller action by its type alone, whatever else is wrong.
const controllerActionType = z.object({ type: z.literal('controller-action') });

// A request asks for target weights, the next step, all traffic to the
// canary, or a controller's next move; the other operations are direct
// actions (or, like rollback, must never wait for an approval).
const requestedTypes: ReadonlyArray<string> = REQUESTABLE_OPERATION_TYPES;

const routeChange = operation.refine(
  (o): o is RequestedRouteChange => requestedTypes.includes(o.type),
  o => ({
    message: `'${
      o.type
    }' cannot be requested; a request asks for ${requestedTypes.join(', ')}`,
  }),
);

export const createPromotionRequestSchema = z
  .object({
    // A controller-action request is shown on the route the controller
    // drives, which the backend finds: a target sent with it is replaced.
    target: target.optional(),
    change: z.unknown(),
    reason: z
      .string()
      .trim()
      .min(1, 'must say why the change should be made')
      .max(1000),
  })
  .strict()
  .transform((value, ctx): CreatePromotionRequest => {
    const { target: route, reason } = value;
    // The change's own type picks its schema, so that its problems are
    // reported against that schema's fields.
    const changeIssues = (error: z.ZodError) => {
      for (const issue of error.issues) {
        ctx.addIssue({ ...issue, path: ['change', ...issue.path] });
      }
      return z.NEVER;
    };
    if (controllerActionType.safeParse(value.change).success) {
      const change = controllerActionChange.safeParse(value.change);
      if (!change.success) return changeIssues(change.error);
      return { target: route, change: change.data, reason };
    }
    const change = routeChange.safeParse(value.change);
    if (!change.success) return changeIssues(change.error);
    if (!route) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['target'],
        message: 'Required',
      });
      return z.NEVER;
    }
    return { target: route, change: change.data, reason };
  }) satisfies SchemaOf<CreatePromotionRequest>;

export const decidePromotionRequestSchema = z
  .object({ reason: z.string().trim().max(1000).optional() })
  .strict() satisfies SchemaOf<DecidePromotionRequest>;

export const rejectPromotionRequestSchema = z
  .object({
    reason: z
      .string()
      .trim()
      .min(1, 'must say why the request is rejected')
      .max(1000),
  })
  .strict();

export const listPromotionRequestsQuerySchema = z
  .object({
    // Comma-separated, e.g. `pending,approving`.
    status: z
      .string()
      .max(200)
      .transform(v => v.split(',').filter(Boolean))
      .pipe(z.array(z.enum(PROMOTION_REQUEST_STATUSES)))
      .optional(),
    limit: z.coerce.number().int().min(1).max(200).optional(),
  })
  .strict() satisfies SchemaOf<PromotionRequestListQuery>;

// Request ids are the store's UUIDs; anything else cannot name a request.
export const requestIdSchema = z
  .string()
  .uuid('must be a promotion request id (a UUID)');

/** Filters and page of `GET /releases`. */
export const releasesQuerySchema = z
  .object({
    cluster: cluster.optional(),
    namespace: namespace.optional(),
    owner: z.string().min(1).max(500).optional(),
    strategy: z.enum(RELEASE_IN_FLIGHT_STRATEGIES).optional(),
    minAgeDays: z.coerce.number().min(0).max(36500).optional(),
    staleOnly: z
      .enum(['true', 'false'], {
        errorMap: () => ({ message: "must be 'true' or 'false'" }),
      })
      .transform(v => v === 'true')
      .optional(),
    limit: z.coerce.number().int().min(1).max(500).optional(),
    cursor: z.string().max(500).optional(),
  })
  .strict() satisfies SchemaOf<ReleasesInFlightQuery>;

export const auditExportQuerySchema = auditQuerySchema
  .omit({ limit: true, cursor: true })
  .extend({ format: z.enum(AUDIT_EXPORT_FORMATS) })
  .strict() satisfies SchemaOf<
  AuditExportQuery & { format: AuditExportFormat }
>;

/** Parses a body or throws an InputError that names each problem and its field. */
export function parseBody<S extends z.ZodTypeAny>(
  schema: S,
  body: unknown,
): z.output<S> {
  const result = schema.safeParse(body);
  if (!result.success) {
    const problems = result.error.issues.map(
      i => `${i.path.join('.') || 'body'}: ${i.message}`,
    );
    throw new InputError(`Invalid request: ${problems.join('; ')}`);
  }
  return result.data;
}

// The catalog's own rules for entity kinds, namespaces and names.
const KIND = /^[a-zA-Z][a-zA-Z0-9]*$/;
const NAME = /^[a-zA-Z0-9]+([-_.][a-zA-Z0-9]+)*$/;

/**
 * An entity reference from its parts (a URL's path, an action's input),
 * checked against the catalog's rules; lower-cased kind.
 */
export function entityRefFromParams(
  params: Record<string, string>,
): CompoundEntityRef {
  const { namespace: entityNamespace, kind, name } = params;
  const problems: string[] = [];
  if (!KIND.test(kind))
    problems.push(`kind '${kind}' must be letters and digits`);
  if (!NAME.test(entityNamespace) || entityNamespace.length > 63) {
    problems.push(
      `namespace '${entityNamespace}' is not a valid entity namespace`,
    );
  }
  if (!NAME.test(name) || name.length > 63) {
    problems.push(`name '${name}' is not a valid entity name`);
  }
  if (problems.length) {
    throw new InputError(`Malformed entity reference: ${problems.join('; ')}`);
  }
  return {
    kind: kind.toLocaleLowerCase('en-US'),
    namespace: entityNamespace,
    name,
  };
}
