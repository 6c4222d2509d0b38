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

import { createBackend } from '@backstage/backend-defaults';
import { demoSignInModule } from './modules/demoSignIn';
import { permissionPolicyModule } from './modules/permissionPolicy';

const backend = createBackend();

backend.add(import('@backstage/plugin-app-backend'));

// Sign-in: the demo's "sign in as a catalog user" provider, only active when
// auth.providers.demo is configured (app-config.yaml, not production).
backend.add(import('@backstage/plugin-auth-backend'));
backend.add(demoSignInModule);

// The catalog reads examples/ and owns the catalog-entity resource type that
// Istio Rollouts' permissions are checked against.
backend.add(import('@backstage/plugin-catalog-backend'));
backend.add(import('@backstage/plugin-catalog-backend-module-logs'));

backend.add(import('@backstage/plugin-permission-backend'));
backend.add(permissionPolicyModule);

// The events backend carries signals (and the other plugins' events) between
// replicas: on PostgreSQL it keeps the event bus in the database, so a browser
// connected to any replica hears what another one published. On SQLite it is
// in memory, i.e. one process only.
backend.add(import('@backstage/plugin-events-backend'));
backend.add(import('@backstage/plugin-notifications-backend'));
backend.add(import('@backstage/plugin-signals-backend'));
backend.add(import('@backstage/plugin-user-settings-backend'));

backend.add(import('@istio-rollouts/plugin-istio-rollouts-backend'));

// Agents and other tools: the actions that plugins register (this plugin's
// read, request and preview actions, per backend.actions.pluginSources) as
// MCP tools at /api/mcp-actions/v1, run as the calling user.
backend.add(import('@backstage/plugin-mcp-actions-backend'));

backend.start();
