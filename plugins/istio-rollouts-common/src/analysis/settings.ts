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

import { isRecord } from '../kube/guards';
import {
  ANALYSIS_TEMPLATE_VARIABLES,
  AnalysisCheckSpec,
  DEFAULT_ANALYSIS_CHECKS,
  templatePlaceholders,
} from './templates';

// An entity tunes the canary analysis with one annotation holding JSON:
//   {"autoRollback": true, "tolerance": 0.2,
//    "checks": [{"name": "request-duration", "max": 300}],
//    "routes": {"primary": {"checks": [{"name": "request-success-rate", "min": 99.9}]}}}
// Like the other annotations it never stops the tab: each bad part is
// reported and falls back to its default.

/**
 * The annotation that holds an entity's canary analysis settings as JSON.
 *
 * @public
 */
export const ANALYSIS_ANNOTATION = 'istio-rollouts/analysis';

/**
 * Analysis settings one http route (by name) overrides.
 *
 * @public
 */
export interface AnalysisRouteSettings {
  autoRollback?: boolean;
  /** The route's full list of checks: the entity's, with the route's changes applied. */
  checks?: AnalysisCheckSpec[];
}

/**
 * An entity's canary analysis settings.
 *
 * @public
 */
export interface AnalysisSettings {
  /** Whether to analyse at all; the analysis is shown whenever metrics exist. */
  enabled: boolean;
  /** Whether the plugin rolls a route back when its verdict is `fail`. */
  autoRollback: boolean;
  checks: AnalysisCheckSpec[];
  /** Relative difference between canary and stable that a comparison tolerates. */
  tolerance: number;
  /** Requests the canary must have received before a verdict other than `no-data`. */
  minRequests: number;
  /** Per-route overrides, keyed by the http route's `name`. */
  routes: Record<string, AnalysisRouteSettings>;
}

const DEFAULT_TOLERANCE = 0.1;
const DEFAULT_MIN_REQUESTS = 20;

const SETTINGS_KEYS = [
  'enabled',
  'autoRollback',
  'checks',
  'tolerance',
  'minRequests',
  'routes',
];
const ROUTE_KEYS = ['autoRollback', 'checks'];
const CHECK_KEYS = ['name', 'query', 'min', 'max', 'enabled'];

function copyCheck(check: AnalysisCheckSpec): AnalysisCheckSpec {
  return { ...check };
}

/**
 * The settings of an entity without the annotation.
 *
 * @public
 */
export function defaultAnalysisSettings(
  checks: readonly AnalysisCheckSpec[] = DEFAULT_ANALYSIS_CHECKS,
): AnalysisSettings {
  return {
    enabled: true,
    autoRollback: false,
    checks: checks.map(copyCheck),
    tolerance: DEFAULT_TOLERANCE,
    minRequests: DEFAULT_MIN_REQUESTS,
    routes: {},
  };
}

const show = (value: unknown) => JSON.stringify(value) ?? String(value);

function unknownKeys(
  value: Record<string, unknown>,
  known: string[],
  where: string,
  errors: string[],
) {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      errors.push(
        `${where}: '${key}' is not a setting (known: ${known.join(
          ', ',
        )}); ignored.`,
      );
    }
  }
}

function readBound(
  raw: Record<string, unknown>,
  key: 'min' | 'max',
  fallback: number | undefined,
): { ok: true; value: number | undefined } | { ok: false } {
  if (!(key in raw)) return { ok: true, value: fallback };
  const value = raw[key];
  // null removes a built-in bound.
  if (value === null) return { ok: true, value: undefined };
  return typeof value === 'number' && Number.isFinite(value)
    ? { ok: true, value }
    : { ok: false };
}

// Why a query template would fail to render with the analysis' variables.
function queryProblem(query: string): string | undefined {
  const { names, problems } = templatePlaceholders(query);
  const unknown = names.filter(n => !ANALYSIS_TEMPLATE_VARIABLES.includes(n));
  if (unknown.length > 0) {
    problems.push(
      `it uses the unknown placeholder${unknown.length > 1 ? 's' : ''} ${unknown
        .map(n => `{{ ${n} }}`)
        .join(', ')} (known: ${ANALYSIS_TEMPLATE_VARIABLES.join(', ')})`,
    );
  }
  return problems.length > 0 ? problems.join('; ') : undefined;
}

// Applies a list of checks to `base`: a known name changes what the entry
// gives (only the thresholds when it has no query), a new name adds a check
// and needs a query, `enabled: false` drops a check. A bad entry is
// reported and leaves `base` as it was. Queries only where `queries` says
// so (app-config): a query runs with the plugin's access to Prometheus, and
// whoever edits a catalog file must not choose what it reads.
function mergeChecks(
  base: readonly AnalysisCheckSpec[],
  raw: unknown,
  where: string,
  errors: string[],
  queries: boolean,
): AnalysisCheckSpec[] {
  if (!Array.isArray(raw)) {
    errors.push(
      `${where}: 'checks' must be a list of checks, not ${show(raw)}; using ${
        base.map(c => c.name).join(', ') || 'none'
      }.`,
    );
    return base.map(copyCheck);
  }
  const result = base.map(copyCheck);
  const seen = new Set<string>();
  raw.forEach((entry, i) => {
    const at = `${where}: checks[${i}]`;
    if (!isRecord(entry)) {
      errors.push(`${at} must be an object with a name, not ${show(entry)}.`);
      return;
    }
    const { name, query, enabled } = entry;
    if (typeof name !== 'string' || name.trim() === '') {
      errors.push(`${at} needs a name.`);
      return;
    }
    const label = `${at} ('${name}')`;
    unknownKeys(entry, CHECK_KEYS, label, errors);
    if (seen.has(name)) {
      errors.push(`${label} repeats a check listed before it; ignored.`);
      return;
    }
    seen.add(name);
    const index = result.findIndex(c => c.name === name);
    const existing = index >= 0 ? result[index] : undefined;
    if (enabled !== undefined && typeof enabled !== 'boolean') {
      errors.push(`${label}: 'enabled' must be true or false; ignored.`);
      return;
    }
    if (!queries && query !== undefined) {
      errors.push(
        `${label} brings its own query, which a catalog annotation cannot: queries run with the plugin's access to Prometheus, so they come from app-config (istioRollouts.metrics.checks); ignored.`,
      );
      return;
    }
    if (enabled === false) {
      if (existing) {
        result.splice(index, 1);
      } else {
        errors.push(`${label} disables a check that does not exist.`);
      }
      return;
    }
    if (
      query !== undefined &&
      (typeof query !== 'string' || query.trim() === '')
    ) {
      errors.push(`${label}: 'query' must be a PromQL template string.`);
      return;
    }
    const problem = query !== undefined && queryProblem(query as string);
    if (problem) {
      errors.push(`${label}: the query is not a usable template: ${problem}.`);
      return;
    }
    if (!existing && query === undefined) {
      errors.push(
        queries
          ? `${label} is not a known check (known: ${
              result.map(c => c.name).join(', ') || 'none'
            }), so it needs a query.`
          : `${label} is not a check of this installation (known: ${
              result.map(c => c.name).join(', ') || 'none'
            }); platform engineers add checks in app-config (istioRollouts.metrics.checks).`,
      );
      return;
    }
    const min = readBound(entry, 'min', existing?.min);
    const max = readBound(entry, 'max', existing?.max);
    if (!min.ok || !max.ok) {
      errors.push(`${label}: 'min' and 'max' must be numbers (or null).`);
      return;
    }
    if (min.value === undefined && max.value === undefined) {
      errors.push(`${label} has neither min nor max, so it could never fail.`);
      return;
    }
    if (
      min.value !== undefined &&
      max.value !== undefined &&
      min.value > max.value
    ) {
      errors.push(
        `${label}: min ${min.value} is above max ${max.value}, so every value would fail.`,
      );
      return;
    }
    const merged: AnalysisCheckSpec = {
      name,
      query: (query as string | undefined) ?? existing!.query,
    };
    if (min.value !== undefined) merged.min = min.value;
    if (max.value !== undefined) merged.max = max.value;
    if (existing) {
      result[index] = merged;
    } else {
      result.push(merged);
    }
  });
  return result;
}

function readBoolean(
  raw: Record<string, unknown>,
  key: string,
  fallback: boolean,
  where: string,
  errors: string[],
): boolean {
  const value = raw[key];
  if (value === undefined) return fallback;
  if (typeof value === 'boolean') return value;
  errors.push(
    `${where}: '${key}' must be true or false, not ${show(
      value,
    )}; using ${fallback}.`,
  );
  return fallback;
}

function readRoutes(
  raw: unknown,
  settings: AnalysisSettings,
  errors: string[],
): Record<string, AnalysisRouteSettings> {
  const where = ANALYSIS_ANNOTATION;
  if (!isRecord(raw)) {
    errors.push(
      `${where}: 'routes' must map route names to settings, not ${show(
        raw,
      )}; ignored.`,
    );
    return {};
  }
  const routes: Record<string, AnalysisRouteSettings> = {};
  for (const [name, value] of Object.entries(raw)) {
    const at = `${where}: routes['${name}']`;
    // JSON.parse keeps `__proto__` as a plain key; assigning it would
    // replace the map's prototype instead.
    if (name === '__proto__') {
      errors.push(`${at} is not a route name; ignored.`);
      continue;
    }
    if (!isRecord(value)) {
      errors.push(`${at} must be an object of settings; ignored.`);
      continue;
    }
    unknownKeys(value, ROUTE_KEYS, at, errors);
    const route: AnalysisRouteSettings = {};
    if (value.autoRollback !== undefined) {
      route.autoRollback = readBoolean(
        value,
        'autoRollback',
        settings.autoRollback,
        at,
        errors,
      );
    }
    if (value.checks !== undefined) {
      route.checks = mergeChecks(
        settings.checks,
        value.checks,
        at,
        errors,
        false,
      );
    }
    routes[name] = route;
  }
  return routes;
}

/**
 * Reads the `istio-rollouts/analysis` annotation. Never throws: bad JSON,
 * a wrong type or impossible thresholds are reported, one sentence each,
 * and that part keeps its default. Without the annotation: analysis on,
 * no automatic rollback, Flagger's built-in checks, tolerance 0.1, at
 * least 20 canary requests.
 *
 * The annotation chooses among the installation's checks (`checks`, by
 * default Flagger's two; see readConfiguredChecks) and sets their
 * thresholds; it cannot bring a query of its own.
 *
 * @public
 */
export function parseAnalysisSettings(
  value: string | undefined,
  options: { checks?: readonly AnalysisCheckSpec[] } = {},
): {
  settings: AnalysisSettings;
  errors: string[];
} {
  const settings = defaultAnalysisSettings(options.checks);
  const errors: string[] = [];
  const where = ANALYSIS_ANNOTATION;
  if (value === undefined || value.trim() === '') {
    return { settings, errors };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(value);
  } catch (e) {
    errors.push(
      `${where}: the value is not JSON (${
        (e as Error).message
      }); using the default analysis.`,
    );
    return { settings, errors };
  }
  if (!isRecord(raw)) {
    errors.push(
      `${where}: the value must be a JSON object, not ${show(
        raw,
      )}; using the default analysis.`,
    );
    return { settings, errors };
  }
  unknownKeys(raw, SETTINGS_KEYS, where, errors);
  settings.enabled = readBoolean(raw, 'enabled', true, where, errors);
  settings.autoRollback = readBoolean(
    raw,
    'autoRollback',
    false,
    where,
    errors,
  );
  if (raw.tolerance !== undefined) {
    const t = raw.tolerance;
    if (typeof t === 'number' && Number.isFinite(t) && t >= 0) {
      settings.tolerance = t;
    } else {
      errors.push(
        `${where}: 'tolerance' must be a number of 0 or more (0.1 allows 10%), not ${show(
          t,
        )}; using ${DEFAULT_TOLERANCE}.`,
      );
    }
  }
  if (raw.minRequests !== undefined) {
    const n = raw.minRequests;
    if (typeof n === 'number' && Number.isInteger(n) && n >= 0) {
      settings.minRequests = n;
    } else {
      errors.push(
        `${where}: 'minRequests' must be a whole number of 0 or more, not ${show(
          n,
        )}; using ${DEFAULT_MIN_REQUESTS}.`,
      );
    }
  }
  if (raw.checks !== undefined) {
    settings.checks = mergeChecks(
      settings.checks,
      raw.checks,
      where,
      errors,
      false,
    );
  }
  if (raw.routes !== undefined) {
    settings.routes = readRoutes(raw.routes, settings, errors);
  }
  return { settings, errors };
}

/**
 * The settings for one http route: the entity's, with the overrides the
 * annotation gives for the route's name applied, and `routes` empty since
 * nothing is left to override. A route without a name, or one the
 * annotation does not mention, gets the entity's settings.
 *
 * @public
 */
export function settingsForRoute(
  settings: AnalysisSettings,
  routeName?: string,
): AnalysisSettings {
  const route =
    routeName !== undefined &&
    Object.prototype.hasOwnProperty.call(settings.routes, routeName)
      ? settings.routes[routeName]
      : undefined;
  return {
    enabled: settings.enabled,
    autoRollback: route?.autoRollback ?? settings.autoRollback,
    checks: (route?.checks ?? settings.checks).map(copyCheck),
    tolerance: settings.tolerance,
    minRequests: settings.minRequests,
    routes: {},
  };
}

/**
 * The installation's checks, from app-config `istioRollouts.metrics.checks`
 * (a list in the annotation's format, where queries are allowed): Flagger's
 * two built-in checks changed, removed or joined by new ones. Never
 * throws; the backend refuses to start on errors.
 *
 * @public
 */
export function readConfiguredChecks(
  raw: unknown,
  where = 'istioRollouts.metrics.checks',
): { checks: AnalysisCheckSpec[]; errors: string[] } {
  const errors: string[] = [];
  if (raw === undefined) {
    return { checks: DEFAULT_ANALYSIS_CHECKS.map(copyCheck), errors };
  }
  const checks = mergeChecks(DEFAULT_ANALYSIS_CHECKS, raw, where, errors, true);
  return { checks, errors };
}
