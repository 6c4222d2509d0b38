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
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import {
  authProvidersExtensionPoint,
  createProxyAuthProviderFactory,
  createProxyAuthenticator,
} from '@backstage/plugin-auth-node';

/** Header the demo sign-in page sends with the chosen user's entity name. */
export const DEMO_USER_HEADER = 'x-istio-rollouts-demo-user';

const ENTITY_NAME = /^[a-zA-Z0-9]([-_.a-zA-Z0-9]{0,61}[a-zA-Z0-9])?$/;

/**
 * The demo's "sign in as" provider: the person picks a catalog user on the
 * sign-in page and is signed in as exactly that User entity, so owners,
 * other teams and the platform team can be compared side by side.
 *
 * It trusts a request header, so it only exists when
 * `auth.providers.demo` is configured and `auth.environment` is
 * `development`, and it only signs in users that exist in the catalog.
 */
export const demoSignInModule = createBackendModule({
  pluginId: 'auth',
  moduleId: 'istio-rollouts-demo-provider',
  register(reg) {
    reg.registerInit({
      deps: {
        providers: authProvidersExtensionPoint,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
      },
      async init({ providers, config, logger }) {
        if (!config.has('auth.providers.demo')) {
          return;
        }
        // Config files merge, so production may still carry app-config.yaml's
        // demo block: the auth environment decides.
        const environment =
          config.getOptionalString('auth.environment') ?? 'development';
        if (environment !== 'development') {
          logger.info(
            `Demo sign-in is configured but auth.environment is '${environment}': not enabled`,
          );
          return;
        }
        logger.warn(
          'Demo sign-in is enabled: anyone who can reach this backend can sign in as any catalog user. Never enable auth.providers.demo in production.',
        );
        providers.registerProvider({
          providerId: 'demo',
          factory: createProxyAuthProviderFactory({
            authenticator: createProxyAuthenticator({
              defaultProfileTransform: async (result: {
                userName: string;
              }) => ({
                profile: { displayName: result.userName },
              }),
              initialize: () => undefined,
              async authenticate({ req }) {
                const userName = req.header(DEMO_USER_HEADER)?.trim();
                if (!userName || !ENTITY_NAME.test(userName)) {
                  throw new InputError(
                    `Demo sign-in needs the ${DEMO_USER_HEADER} header set to a catalog user name`,
                  );
                }
                return { result: { userName } };
              },
            }),
            // Only users present in the catalog: ownership comes from their
            // memberOf relations, which is what the permission policy checks.
            signInResolver: async ({ result }, ctx) =>
              ctx.signInWithCatalogUser({
                entityRef: { name: result.userName },
              }),
          }),
        });
      },
    });
  },
});
