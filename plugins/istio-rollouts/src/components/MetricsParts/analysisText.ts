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

import type {
  CanaryAnalysisView,
  VersionComparison,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import type { Outcome } from './VerdictStatus';
import { verdictLabel } from './VerdictStatus';

// How a canary analysis reads in one line and how a comparison's outcome
// is judged, shared by the analysis panel and the promotion requests.

/**
 * A comparison's outcome as a person judges it: a canary significantly
 * above stable is bad for latency and errors (`higherIsWorse`) but fine
 * for, say, throughput; the text says which way it went.
 */
export function comparisonOutcome(c: VersionComparison): {
  status: Outcome;
  text: string;
} {
  switch (c.outcome) {
    case 'high':
      return {
        status: c.higherIsWorse ? 'fail' : 'pass',
        text: 'canary higher',
      };
    case 'low':
      return {
        status: c.higherIsWorse ? 'pass' : 'fail',
        text: 'canary lower',
      };
    case 'no-data':
      return { status: 'no-data', text: 'no data' };
    default:
      return { status: 'pass', text: 'no significant difference' };
  }
}

/**
 * Reasons run together: the backend's are whole sentences, which follow
 * one another; bare phrases are separated by semicolons.
 */
export function joinReasons(reasons: string[]): string {
  return reasons
    .map((r, i) => (i < reasons.length - 1 && !/[.!?]$/.test(r) ? `${r};` : r))
    .join(' ');
}

/**
 * `Canary analysis: fail — request-success-rate is 80, below the minimum
 * of 99.`: the verdict and its reasons (worst first; the first `limit`
 * of them when given), as the approver of a request reads them.
 */
export function analysisSummary(
  analysis: Pick<CanaryAnalysisView, 'verdict' | 'reasons'>,
  options: { prefix?: string; limit?: number } = {},
): string {
  const { prefix = 'Canary analysis', limit } = options;
  const head = `${prefix}: ${verdictLabel(analysis.verdict)}`;
  const reasons =
    limit === undefined ? analysis.reasons : analysis.reasons.slice(0, limit);
  return reasons.length ? `${head} — ${joinReasons(reasons)}` : head;
}
