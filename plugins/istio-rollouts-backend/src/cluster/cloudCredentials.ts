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

import { LoggerService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { ClusterAuthProvider, ClusterDetails } from './ClusterDetails';
import {
  CloudCredentialFactory,
  KubeCredential,
  cachedTokenSource,
} from './credentials';

// The cloud providers are not re-implemented: their token exchanges are the
// auth strategies of Backstage's Kubernetes backend, which an adopter on
// EKS, AKS or GKE has installed already (the Kubernetes tab needs it). It is
// loaded only when a cluster names one of them: it weighs about 2 s and
// 90 MiB at load time (the AWS, Azure and Google SDKs).

const KUBERNETES_BACKEND = '@backstage/plugin-kubernetes-backend';

interface Strategy {
  getCredential(
    cluster: {
      name: string;
      url: string;
      authMetadata: Record<string, string>;
      skipTLSVerify?: boolean;
      caData?: string;
    },
    requestAuth: Record<string, unknown>,
  ): Promise<KubeCredential>;
}

// How long a token is reused: below each provider's token lifetime (AWS
// presigned tokens live 15 min, Azure and Google access tokens an hour).
const TOKEN_TTL_MS: Partial<Record<ClusterAuthProvider, number>> = {
  aws: 10 * 60_000,
  azure: 30 * 60_000,
  googleServiceAccount: 30 * 60_000,
};

/**
 * Credentials of `aws`, `azure` and `googleServiceAccount` clusters from
 * the Kubernetes backend's strategies, built once, on first use.
 */
export function kubernetesBackendCredentials(options: {
  config: Config;
  logger: LoggerService;
  /** For tests: where the strategies come from. */
  load?: () => Promise<any>;
}): CloudCredentialFactory {
  const load =
    options.load ??
    (async () =>
      // By name at run time: an optional dependency, and a CommonJS
      // package (Jest runs no dynamic import() without VM modules).
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require(KUBERNETES_BACKEND));
  let strategies: Promise<Record<string, Strategy>> | undefined;
  const strategiesOnce = () => {
    strategies ??= load().then(
      m => ({
        aws: new m.AwsIamStrategy({ config: options.config }),
        azure: new m.AzureIdentityStrategy(options.logger),
        googleServiceAccount: new m.GoogleServiceAccountStrategy({
          config: options.config,
        }),
      }),
      error => {
        strategies = undefined;
        throw new Error(
          `${KUBERNETES_BACKEND} is needed for this cluster's authProvider and could not be loaded (${
            (error as Error).message
          }); add it to the backend`,
        );
      },
    );
    return strategies;
  };
  return (cluster: ClusterDetails) => {
    const provider = cluster.authProvider ?? 'serviceAccount';
    return cachedTokenSource(async () => {
      const strategy = (await strategiesOnce())[provider];
      if (!strategy) {
        throw new Error(`no cloud strategy for authProvider '${provider}'`);
      }
      return strategy.getCredential(
        {
          name: cluster.name,
          url: cluster.url,
          authMetadata: {
            ...cluster.authMetadata,
            'kubernetes.io/auth-provider': provider,
          },
          skipTLSVerify: cluster.skipTLSVerify,
          caData: cluster.caData,
        },
        {},
      );
    }, TOKEN_TTL_MS[provider] ?? 5 * 60_000);
  };
}
