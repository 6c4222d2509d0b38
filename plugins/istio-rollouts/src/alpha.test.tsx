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

import plugin from './alpha';

describe('the new-frontend-system plugin', () => {
  it('provides the entity tab, the overview card, the audit and releases pages and the API client', () => {
    expect(plugin.getExtension('entity-content:istio-rollouts')).toBeDefined();
    expect(plugin.getExtension('entity-card:istio-rollouts')).toBeDefined();
    expect(plugin.getExtension('page:istio-rollouts/audit')).toBeDefined();
    expect(plugin.routes.audit).toBeDefined();
    expect(plugin.getExtension('page:istio-rollouts/releases')).toBeDefined();
    expect(plugin.routes.releases).toBeDefined();
    expect(plugin.getExtension('api:istio-rollouts')).toBeDefined();
  });
});
