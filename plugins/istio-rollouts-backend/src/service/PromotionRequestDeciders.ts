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
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { NotAllowedError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  ApprovalPolicy,
  PromotionRequest,
  istioRolloutsApplyPermission,
} from '@istio-rollouts/plugin-istio-rollouts-common';

/**
 * Who may decide a promotion request. Its entity's owners (whoever holds
 * the apply permission on it) approve or reject it, under the four-eyes
 * rule never their own; only its requester cancels it. A check returns the
 * refusal rather than throwing it, as the caller records refusals.
 */
export class PromotionRequestDeciders {
  constructor(
    private readonly options: {
      permissions: PermissionsService;
      policy: ApprovalPolicy;
    },
  ) {}

  /** Why `approver` may not approve the request, or undefined if they may. */
  async approvalRefusal(
    request: PromotionRequest,
    approver: string,
    credentials: BackstageCredentials,
  ): Promise<NotAllowedError | undefined> {
    if (!(await this.mayApply(request, credentials))) {
      return new NotAllowedError(
        `You may not approve traffic changes of ${request.entityRef} (permission ${istioRolloutsApplyPermission.name})`,
      );
    }
    if (
      this.options.policy.fourEyes &&
      sameUser(approver, request.requestedBy)
    ) {
      return new NotAllowedError(
        'Four-eyes rule: a request must be approved by someone other than its requester',
      );
    }
    return undefined;
  }

  /**
   * Why these credentials may not reject the request, or undefined. No
   * four-eyes here: a rejection changes nothing, so an owner may reject
   * their own request.
   */
  async rejectionRefusal(
    request: PromotionRequest,
    credentials: BackstageCredentials,
  ): Promise<NotAllowedError | undefined> {
    if (await this.mayApply(request, credentials)) return undefined;
    return new NotAllowedError(
      `You may not reject traffic changes of ${request.entityRef} (permission ${istioRolloutsApplyPermission.name})`,
    );
  }

  /** Why `user` may not cancel the request, or undefined if they may. */
  cancellationRefusal(
    request: PromotionRequest,
    user: string,
  ): NotAllowedError | undefined {
    if (sameUser(request.requestedBy, user)) return undefined;
    return new NotAllowedError(
      `Only the requester (${request.requestedBy}) can cancel request ${request.id}`,
    );
  }

  private async mayApply(
    request: PromotionRequest,
    credentials: BackstageCredentials,
  ): Promise<boolean> {
    const [decision] = await this.options.permissions.authorize(
      [
        {
          permission: istioRolloutsApplyPermission,
          resourceRef: request.entityRef,
        },
      ],
      { credentials },
    );
    return decision.result === AuthorizeResult.ALLOW;
  }
}

/**
 * The user entity ref of whoever acts on a request: requests are made and
 * decided by people, never by services.
 */
export function signedInUser(credentials: BackstageCredentials): string {
  const principal = credentials.principal as {
    type?: string;
    userEntityRef?: string;
  };
  if (principal.type !== 'user' || !principal.userEntityRef) {
    throw new NotAllowedError('Promotion requests are made by signed-in users');
  }
  return principal.userEntityRef;
}

/**
 * Whether two user entity refs name the same user: refs are compared
 * normalised (`kind:namespace/name`) and case-insensitively, as the catalog
 * compares them.
 */
export function sameUser(a: string, b: string): boolean {
  const normalize = (ref: string) => {
    try {
      return stringifyEntityRef(parseEntityRef(ref)).toLocaleLowerCase('en-US');
    } catch {
      return ref.toLocaleLowerCase('en-US');
    }
  };
  return normalize(a) === normalize(b);
}
