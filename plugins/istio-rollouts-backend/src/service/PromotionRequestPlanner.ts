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

import { BackstageCredentials } from '@backstage/backend-plugin-api';
import { CompoundEntityRef } from '@backstage/catalog-model';
import { ConflictError, NotFoundError } from '@backstage/errors';
import {
  ControllerActionChange,
  CreateControllerPromotionRequest,
  CreatePromotionRequest,
  CreateRoutePromotionRequest,
  PromotionRequest,
  describeSplit,
  isControllerPromotionRequest,
  istioRolloutsRequestPermission,
  sameSplit,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { ControllerActionService } from './ControllerActionService';
import { RouteActionService } from './RouteActionService';

/** What a request stores about its change, once checked. */
export type PlannedChange = Pick<
  PromotionRequest,
  'target' | 'change' | 'reason' | 'before' | 'plannedAfter' | 'resourceVersion'
>;

/**
 * What a requested change would do, before it is requested: the change
 * runs as a dry run under the request permission, so a request that could
 * never apply is refused now, with the same 4xx a direct change would get.
 * The plan records the state the change starts from, which is the only
 * state its approval may later apply to.
 */
export class PromotionRequestPlanner {
  constructor(
    private readonly options: {
      actions: RouteActionService;
      /** Requests that Argo Rollouts or Flagger move a release on. */
      controllerActions?: ControllerActionService;
    },
  ) {}

  async plan(
    entityRef: CompoundEntityRef,
    body: CreatePromotionRequest,
    credentials: BackstageCredentials,
  ): Promise<PlannedChange> {
    return isControllerPromotionRequest(body)
      ? this.planControllerAction(entityRef, body, credentials)
      : this.planRouteChange(entityRef, body, credentials);
  }

  // A request that a controller move the release on: it stores where the
  // controller is (approval applies only there) and, for display, the
  // route the controller drives and what its next step would make of it.
  private async planControllerAction(
    entityRef: CompoundEntityRef,
    body: CreateControllerPromotionRequest,
    credentials: BackstageCredentials,
  ): Promise<PlannedChange> {
    const controllerActions = enabledControllerActions(
      this.options.controllerActions,
    );
    const change: ControllerActionChange = {
      type: 'controller-action',
      controller: body.change.controller,
      action: body.change.action,
    };
    const preview = await controllerActions.preview(
      entityRef,
      change,
      credentials,
    );
    return {
      target: preview.target,
      change: { ...change, at: preview.at },
      reason: body.reason,
      before: preview.before,
      plannedAfter: preview.plannedAfter,
      resourceVersion: preview.resourceVersion,
    };
  }

  private async planRouteChange(
    entityRef: CompoundEntityRef,
    body: CreateRoutePromotionRequest,
    credentials: BackstageCredentials,
  ): Promise<PlannedChange> {
    const operation = body.change;
    const preview = await this.options.actions.applyRouteAction(
      entityRef,
      { target: body.target, operation, dryRun: true },
      credentials,
      { permission: istioRolloutsRequestPermission },
    );
    if (sameSplit(preview.before, preview.after)) {
      throw new ConflictError(
        `The route already is ${describeSplit(
          preview.after,
        )}; there is nothing to request`,
      );
    }
    return {
      target: body.target,
      change: body.change,
      reason: body.reason,
      before: preview.before,
      plannedAfter: preview.after,
      resourceVersion: preview.resourceVersionBefore,
    };
  }
}

/**
 * The backend's Argo Rollouts and Flagger actions, or a 404 where they are
 * not enabled: a request cannot ask for them there, nor an approval apply
 * them.
 */
export function enabledControllerActions(
  controllerActions: ControllerActionService | undefined,
): ControllerActionService {
  if (!controllerActions) {
    throw new NotFoundError(
      'Argo Rollouts and Flagger actions are not enabled in this backend',
    );
  }
  return controllerActions;
}
