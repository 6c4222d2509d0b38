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

import { RolloutWarning } from '../types';
import { VirtualServiceModel } from '../kube/readIstio';
import { ObjectIndex } from './objectIndex';

/**
 * Caveats of a VirtualService as a whole: unreadable fields, no routes,
 * read-only tcp/tls routes, no hosts (a delegate).
 *
 * @internal
 */
export function virtualServiceWarnings(
  index: ObjectIndex,
  vs: VirtualServiceModel,
  ref: string,
): RolloutWarning[] {
  const warnings: RolloutWarning[] = vs.problems.map(problem => ({
    code: 'malformed-field',
    severity: 'warning',
    message: `VirtualService ${ref}: ${problem}; that part is ignored.`,
  }));
  if (!vs.http.length && !vs.tcp.length && !vs.tls.length) {
    warnings.push({
      code: 'no-routes',
      severity: 'warning',
      message: `VirtualService ${ref} has no http, tcp or tls routes.`,
    });
  }
  if (vs.tcp.length || vs.tls.length) {
    warnings.push({
      code: 'non-http-routes-read-only',
      severity: 'info',
      message: `VirtualService ${ref} has ${[
        vs.tcp.length ? `${vs.tcp.length} tcp` : '',
        vs.tls.length ? `${vs.tls.length} tls` : '',
      ]
        .filter(Boolean)
        .join(' and ')} route(s); they are shown but never changed here.`,
    });
  }
  if (!vs.hosts.length) {
    const root = index.virtualServices.find(other =>
      other.http.some(
        r =>
          r.delegate?.name === vs.meta.name &&
          r.delegate.namespace === vs.meta.namespace,
      ),
    );
    warnings.push({
      code: root ? 'delegate-virtual-service' : 'no-hosts',
      severity: 'info',
      message: root
        ? `VirtualService ${ref} is a delegate of ${root.meta.namespace}/${root.meta.name}; its routes apply only to requests that route sends here.`
        : `VirtualService ${ref} has no hosts, so Istio uses it only as a delegate of another VirtualService.`,
    });
  }
  return warnings;
}
