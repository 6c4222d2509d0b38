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

// The PromQL the canary analysis runs, as templates with `{{ name }}`
// placeholders in the manner of Flagger's metric templates, so a check an
// entity writes for Flagger reads the same here. The backend renders each
// template once per version it measures.

/**
 * One metric check of a canary analysis: a PromQL template and the range
 * its value must stay in.
 *
 * @public
 */
export interface AnalysisCheckSpec {
  /** e.g. `request-success-rate`. */
  name: string;
  /** PromQL with `{{ name }}` placeholders; see ANALYSIS_TEMPLATE_VARIABLES. */
  query: string;
  /** The value fails the check below this. */
  min?: number;
  /** The value fails the check above this. */
  max?: number;
}

/**
 * The placeholders a query template may use: `namespace` (the workloads'
 * namespace), `target` (a regex alternation of workload names, see
 * workloadRegex), `interval` (a PromQL range such as `1m`), `service` (the
 * version's host, fully qualified) and `version` (the version's `version`
 * pod label, or empty).
 *
 * @public
 */
export const ANALYSIS_TEMPLATE_VARIABLES: readonly string[] = [
  'namespace',
  'target',
  'interval',
  'service',
  'version',
];

// Server-side (reporter="destination") series of the target workloads: the
// proxy in front of the workload counts every request it answered, whoever
// sent it.
const TARGET_SELECTOR =
  'reporter="destination", destination_workload_namespace="{{ namespace }}", destination_workload=~"{{ target }}"';

/**
 * Flagger's two built-in Istio checks: the percent of requests not
 * answered with a 5xx (at least 99) and the 99th percentile latency in
 * milliseconds (at most 500).
 *
 * @public
 */
export const DEFAULT_ANALYSIS_CHECKS: readonly AnalysisCheckSpec[] = [
  {
    name: 'request-success-rate',
    // `or vector(0)`: when every request failed there is no non-5xx series
    // at all, and the ratio must read 0, not "no value".
    query:
      `100 * (sum(rate(istio_requests_total{${TARGET_SELECTOR}, response_code!~"5.*"}[{{ interval }}])) or vector(0))` +
      ` / sum(rate(istio_requests_total{${TARGET_SELECTOR}}[{{ interval }}]))`,
    min: 99,
  },
  {
    name: 'request-duration',
    query: `histogram_quantile(0.99, sum by (le) (rate(istio_request_duration_milliseconds_bucket{${TARGET_SELECTOR}}[{{ interval }}])))`,
    max: 500,
  },
];

const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The placeholder names a template uses, in order of first use, and the
 * problems that would make renderQueryTemplate throw for any variables:
 * a malformed placeholder or an unclosed `{{`.
 *
 * @internal
 */
export function templatePlaceholders(template: string): {
  names: string[];
  problems: string[];
} {
  const names: string[] = [];
  const problems: string[] = [];
  for (const match of template.matchAll(PLACEHOLDER)) {
    const name = match[1].trim();
    if (!VARIABLE_NAME.test(name)) {
      problems.push(`'${match[0]}' is not a placeholder name`);
    } else if (!names.includes(name)) {
      names.push(name);
    }
  }
  if (template.replace(PLACEHOLDER, '').includes('{{')) {
    problems.push("a '{{' is never closed with '}}'");
  }
  return { names, problems };
}

const DURATION_UNITS: Record<string, number> = {
  ms: 0.001,
  s: 1,
  m: 60,
  h: 3600,
  d: 86400,
  w: 604800,
  y: 31536000,
};
const DURATION = /^(?:\d+(?:ms|s|m|h|d|w|y))+$/;

/**
 * The length in seconds of a PromQL duration such as `1m` or `1h30m`, or
 * undefined when `value` is not one (or is zero long).
 *
 * @public
 */
export function parsePromQLDuration(value: string): number | undefined {
  if (!DURATION.test(value)) return undefined;
  let seconds = 0;
  for (const [, amount, unit] of value.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)) {
    seconds += Number(amount) * DURATION_UNITS[unit];
  }
  return seconds > 0 ? seconds : undefined;
}

/**
 * `value` escaped for a PromQL double-quoted string: PromQL strings take
 * Go's escapes, and a value must not end the string early or smuggle in a
 * matcher of its own.
 *
 * @internal
 */
export function escapePromQLString(value: string): string {
  return value.replace(/[\\"\n\r\t]/g, c => {
    switch (c) {
      case '\n':
        return '\\n';
      case '\r':
        return '\\r';
      case '\t':
        return '\\t';
      default:
        return `\\${c}`;
    }
  });
}

/**
 * Fills the `{{ name }}` placeholders of a query template (spaces inside
 * the braces optional). Values are escaped for a PromQL double-quoted
 * string, which is where templates put them; `interval` goes inside a
 * range's brackets instead, so it must be a PromQL duration. Throws an
 * Error naming the placeholder when one has no value or is malformed, and
 * when `interval` is not a duration.
 *
 * @public
 */
export function renderQueryTemplate(
  template: string,
  vars: Record<string, string>,
): string {
  const { problems } = templatePlaceholders(template);
  if (problems.length > 0) {
    throw new Error(`Query template is malformed: ${problems.join('; ')}`);
  }
  if (
    vars.interval !== undefined &&
    parsePromQLDuration(vars.interval) === undefined
  ) {
    throw new Error(
      `The interval '${vars.interval}' is not a PromQL duration such as 1m`,
    );
  }
  return template.replace(PLACEHOLDER, (whole, inner: string) => {
    const name = inner.trim();
    if (!Object.prototype.hasOwnProperty.call(vars, name)) {
      throw new Error(
        `Query template uses the unknown placeholder '${whole}'; known: ${
          Object.keys(vars).join(', ') || 'none'
        }`,
      );
    }
    return escapePromQLString(String(vars[name]));
  });
}

/**
 * A regular expression matching exactly the given workload names, for the
 * `target` variable: metacharacters escaped, names joined with `|`
 * (Prometheus anchors label regexes, so `reviews` does not match
 * `reviews-v2`). No names give the empty regex, which matches only series
 * without a workload label, i.e. none of Istio's.
 *
 * @public
 */
export function workloadRegex(names: string[]): string {
  return [...new Set(names)]
    .map(name => name.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&'))
    .join('|');
}
