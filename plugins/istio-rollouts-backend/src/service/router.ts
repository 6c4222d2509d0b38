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
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { CompoundEntityRef } from '@backstage/catalog-model';
import { InputError, NotAllowedError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  RouteActionRequest,
  ScaleRequest,
  istioRolloutsReadPermission,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import express from 'express';
import Router from 'express-promise-router';
import { RolloutViewService } from './RolloutViewService';
import { RouteActionService } from './RouteActionService';
import {
  parseBody,
  routeActionRequestSchema,
  scaleRequestSchema,
} from './requestSchemas';

/** Collaborators the router is built from; tests pass their own. */
export interface RouterOptions {
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  views: RolloutViewService;
  actions: RouteActionService;
}

// The catalog's own rules for entity kinds, namespaces and names.
const KIND = /^[a-zA-Z][a-zA-Z0-9]*$/;
const NAME = /^[a-zA-Z0-9]+([-_.][a-zA-Z0-9]+)*$/;

function entityRefFromParams(
  params: Record<string, string>,
): CompoundEntityRef {
  const { namespace, kind, name } = params;
  const problems: string[] = [];
  if (!KIND.test(kind))
    problems.push(`kind '${kind}' must be letters and digits`);
  if (!NAME.test(namespace) || namespace.length > 63) {
    problems.push(`namespace '${namespace}' is not a valid entity namespace`);
  }
  if (!NAME.test(name) || name.length > 63) {
    problems.push(`name '${name}' is not a valid entity name`);
  }
  if (problems.length) {
    throw new InputError(`Malformed entity reference: ${problems.join('; ')}`);
  }
  return { kind: kind.toLocaleLowerCase('en-US'), namespace, name };
}

/**
 * HTTP surface of the plugin. Kept thin: parsing, credentials and
 * permission checks here, domain work in the services it is given.
 * Errors are thrown as @backstage/errors types; the backend's error
 * middleware turns them into 400/401/403/404/409 responses.
 */
export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const { httpAuth, permissions, views, actions } = options;
  const router = Router();
  router.use(express.json());

  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/entities/:namespace/:kind/:name/view', async (req, res) => {
    const entityRef = entityRefFromParams(req.params);
    const credentials = await httpAuth.credentials(req);
    const resourceRef = `${entityRef.kind}:${entityRef.namespace}/${entityRef.name}`;
    const [decision] = await permissions.authorize(
      [{ permission: istioRolloutsReadPermission, resourceRef }],
      { credentials },
    );
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(
        `You may not see the rollouts of ${resourceRef}`,
      );
    }
    res.json(await views.getEntityView(entityRef, credentials));
  });

  // Writes: a signed-in user only (a service token would be allowed by the
  // permission framework without consulting the policy), then the entity's
  // permission inside the service.
  router.post(
    '/entities/:namespace/:kind/:name/route-actions',
    async (req, res) => {
      const entityRef = entityRefFromParams(req.params);
      const body = parseBody(
        routeActionRequestSchema,
        req.body,
      ) as RouteActionRequest;
      const credentials = await httpAuth.credentials(req, { allow: ['user'] });
      res.json(await actions.applyRouteAction(entityRef, body, credentials));
    },
  );

  router.post('/entities/:namespace/:kind/:name/scale', async (req, res) => {
    const entityRef = entityRefFromParams(req.params);
    const body = parseBody(scaleRequestSchema, req.body) as ScaleRequest;
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    res.json(await actions.scaleVersion(entityRef, body, credentials));
  });

  return router;
}
