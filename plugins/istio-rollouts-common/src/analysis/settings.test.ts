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
  ANALYSIS_ANNOTATION,
  defaultAnalysisSettings,
  parseAnalysisSettings,
  readConfiguredChecks,
  settingsForRoute,
} from './settings';
import { DEFAULT_ANALYSIS_CHECKS } from './templates';

const [SUCCESS_RATE, DURATION] = DEFAULT_ANALYSIS_CHECKS;
const parse = (value: unknown) =>
  parseAnalysisSettings(
    typeof value === 'string' ? value : JSON.stringify(value),
  );

describe('parseAnalysisSettings', () => {
  it('gives the defaults without the annotation', () => {
    for (const value of [undefined, '', '   ']) {
      expect(parseAnalysisSettings(value)).toEqual({
        settings: {
          enabled: true,
          autoRollback: false,
          checks: [SUCCESS_RATE, DURATION],
          tolerance: 0.1,
          minRequests: 20,
          routes: {},
        },
        errors: [],
      });
    }
    expect(parse({})).toEqual(parseAnalysisSettings(undefined));
  });

  it('reads every setting', () => {
    const { settings, errors } = parse({
      enabled: false,
      autoRollback: true,
      tolerance: 0.25,
      minRequests: 0,
    });
    expect(errors).toEqual([]);
    expect(settings).toMatchObject({
      enabled: false,
      autoRollback: true,
      tolerance: 0.25,
      minRequests: 0,
    });
  });

  it('hands out copies, never the shared defaults', () => {
    const { settings } = parse({});
    settings.checks[0].min = 1;
    expect(SUCCESS_RATE.min).toBe(99);
    expect(defaultAnalysisSettings().checks[0].min).toBe(99);
  });

  it('reports JSON that does not parse and keeps the defaults', () => {
    const { settings, errors } = parseAnalysisSettings('{"autoRollback": tru');
    expect(settings).toEqual(defaultAnalysisSettings());
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /^istio-rollouts\/analysis: the value is not JSON \(.+\); using the default analysis\.$/,
    );
  });

  it('reports a value that is not an object', () => {
    for (const value of ['[]', '42', '"on"', 'null']) {
      const { settings, errors } = parseAnalysisSettings(value);
      expect(settings).toEqual(defaultAnalysisSettings());
      expect(errors).toEqual([
        `istio-rollouts/analysis: the value must be a JSON object, not ${value}; using the default analysis.`,
      ]);
    }
  });

  it('reports each bad setting and keeps its default, using the good ones', () => {
    const { settings, errors } = parse({
      enabled: 'yes',
      autoRollback: 1,
      tolerance: -0.1,
      minRequests: 2.5,
      autorollback: true,
    });
    expect(settings).toEqual(defaultAnalysisSettings());
    expect(errors).toEqual([
      "istio-rollouts/analysis: 'autorollback' is not a setting (known: enabled, autoRollback, checks, tolerance, minRequests, routes); ignored.",
      'istio-rollouts/analysis: \'enabled\' must be true or false, not "yes"; using true.',
      "istio-rollouts/analysis: 'autoRollback' must be true or false, not 1; using false.",
      "istio-rollouts/analysis: 'tolerance' must be a number of 0 or more (0.1 allows 10%), not -0.1; using 0.1.",
      "istio-rollouts/analysis: 'minRequests' must be a whole number of 0 or more, not 2.5; using 20.",
    ]);
    expect(parse({ tolerance: '0.2', minRequests: -1 }).errors).toHaveLength(2);
  });

  describe('checks', () => {
    it('a known name without a query changes only the thresholds it gives', () => {
      const { settings, errors } = parse({
        checks: [{ name: 'request-duration', max: 300 }],
      });
      expect(errors).toEqual([]);
      expect(settings.checks).toEqual([
        SUCCESS_RATE,
        { name: 'request-duration', query: DURATION.query, max: 300 },
      ]);
      const both = parse({
        checks: [{ name: 'request-success-rate', max: 100 }],
      }).settings.checks[0];
      expect(both).toEqual({ ...SUCCESS_RATE, min: 99, max: 100 });
    });

    it('null removes a bound, as long as one is left', () => {
      expect(
        parse({
          checks: [{ name: 'request-success-rate', min: null, max: 1 }],
        }).settings.checks[0],
      ).toEqual({
        name: 'request-success-rate',
        query: SUCCESS_RATE.query,
        max: 1,
      });
      const { settings, errors } = parse({
        checks: [{ name: 'request-duration', max: null }],
      });
      expect(settings.checks).toEqual([SUCCESS_RATE, DURATION]);
      expect(errors).toEqual([
        "istio-rollouts/analysis: checks[0] ('request-duration') has neither min nor max, so it could never fail.",
      ]);
    });

    it('refuses a query from the annotation: whoever edits a catalog file does not choose what the plugin reads from Prometheus', () => {
      // An attacker's catalog file: swap a built-in check's query for one
      // that reads another team's series, or add a check that does.
      const steal =
        'sum(rate(istio_requests_total{destination_workload_namespace="payments"}[1m]))';
      const { settings, errors } = parse({
        checks: [
          { name: 'request-duration', query: steal },
          { name: 'error-budget', query: steal, max: 2 },
        ],
      });
      expect(settings.checks).toEqual([SUCCESS_RATE, DURATION]);
      expect(JSON.stringify(settings)).not.toContain('payments');
      expect(errors).toEqual([
        "istio-rollouts/analysis: checks[0] ('request-duration') brings its own query, which a catalog annotation cannot: queries run with the plugin's access to Prometheus, so they come from app-config (istioRollouts.metrics.checks); ignored.",
        "istio-rollouts/analysis: checks[1] ('error-budget') brings its own query, which a catalog annotation cannot: queries run with the plugin's access to Prometheus, so they come from app-config (istioRollouts.metrics.checks); ignored.",
      ]);
      const perRoute = parse({
        routes: { primary: { checks: [{ name: 'x', query: steal, max: 1 }] } },
      });
      expect(JSON.stringify(perRoute.settings)).not.toContain('payments');
      expect(perRoute.errors).toHaveLength(1);
    });

    it("chooses among the installation's checks and sets their thresholds", () => {
      const budget = {
        name: 'error-budget',
        query:
          'sum(rate(errors_total{workload=~"{{ target }}"}[{{ interval }}]))',
        max: 2,
      };
      const { settings, errors } = parseAnalysisSettings(
        JSON.stringify({
          checks: [
            { name: 'error-budget', max: 1 },
            { name: 'no-such-check', max: 2 },
          ],
        }),
        { checks: [SUCCESS_RATE, budget] },
      );
      expect(settings.checks).toEqual([SUCCESS_RATE, { ...budget, max: 1 }]);
      expect(errors).toEqual([
        "istio-rollouts/analysis: checks[1] ('no-such-check') is not a check of this installation (known: request-success-rate, error-budget); platform engineers add checks in app-config (istioRollouts.metrics.checks).",
      ]);
    });
  });

  describe('readConfiguredChecks (app-config, where queries are allowed)', () => {
    it('a known name with a query replaces the query too', () => {
      const query = 'max(x{ns="{{ namespace }}"})';
      expect(
        readConfiguredChecks([{ name: 'request-duration', query }]).checks[1],
      ).toEqual({ name: 'request-duration', query, max: 500 });
      expect(readConfiguredChecks(undefined)).toEqual({
        checks: [SUCCESS_RATE, DURATION],
        errors: [],
      });
    });

    it('a new name adds a check, and needs a query and a threshold', () => {
      const query =
        'sum(rate(errors_total{workload=~"{{ target }}"}[{{ interval }}]))';
      const { checks, errors } = readConfiguredChecks([
        { name: 'error-budget', query, max: 2 },
        { name: 'no-query', max: 2 },
        { name: 'no-threshold', query },
      ]);
      expect(checks).toEqual([
        SUCCESS_RATE,
        DURATION,
        { name: 'error-budget', query, max: 2 },
      ]);
      expect(errors).toEqual([
        "istioRollouts.metrics.checks: checks[1] ('no-query') is not a known check (known: request-success-rate, request-duration, error-budget), so it needs a query.",
        "istioRollouts.metrics.checks: checks[2] ('no-threshold') has neither min nor max, so it could never fail.",
      ]);
    });

    it('reports queries that are not usable templates', () => {
      const cases: Array<[unknown, string]> = [
        [
          [{ name: 'request-duration', query: 7 }],
          "istioRollouts.metrics.checks: checks[0] ('request-duration'): 'query' must be a PromQL template string.",
        ],
        [
          [{ name: 'request-duration', query: ' ' }],
          "istioRollouts.metrics.checks: checks[0] ('request-duration'): 'query' must be a PromQL template string.",
        ],
        [
          [
            {
              name: 'x',
              query: 'up{a="{{ canary }}", b="{{ primary }}"}',
              max: 1,
            },
          ],
          "istioRollouts.metrics.checks: checks[0] ('x'): the query is not a usable template: it uses the unknown placeholders {{ canary }}, {{ primary }} (known: namespace, target, interval, service, version).",
        ],
        [
          [{ name: 'x', query: 'up[{{ interval ]', max: 1 }],
          "istioRollouts.metrics.checks: checks[0] ('x'): the query is not a usable template: a '{{' is never closed with '}}'.",
        ],
      ];
      for (const [raw, error] of cases) {
        const { checks, errors } = readConfiguredChecks(raw);
        expect(checks).toEqual([SUCCESS_RATE, DURATION]);
        expect(errors).toEqual([error]);
      }
    });
  });

  describe('checks, continued', () => {
    it('enabled: false drops a check', () => {
      const { settings, errors } = parse({
        checks: [
          { name: 'request-duration', enabled: false },
          { name: 'nothing-here', enabled: false },
        ],
      });
      expect(settings.checks).toEqual([SUCCESS_RATE]);
      expect(errors).toEqual([
        "istio-rollouts/analysis: checks[1] ('nothing-here') disables a check that does not exist.",
      ]);
    });

    it('min above max is refused and the check keeps its default', () => {
      const { settings, errors } = parse({
        checks: [{ name: 'request-success-rate', min: 99, max: 90 }],
      });
      expect(settings.checks[0]).toEqual(SUCCESS_RATE);
      expect(errors).toEqual([
        "istio-rollouts/analysis: checks[0] ('request-success-rate'): min 99 is above max 90, so every value would fail.",
      ]);
      // Equal bounds are a legitimate "exactly this value".
      expect(
        parse({ checks: [{ name: 'request-duration', min: 5, max: 5 }] })
          .errors,
      ).toEqual([]);
    });

    it('reports entries of the wrong type, and repeats', () => {
      const { settings, errors } = parse({
        checks: [
          'request-duration',
          { max: 3 },
          { name: '  ' },
          { name: 'request-duration', max: '300' },
          { name: 'request-duration', max: 300 },
          { name: 'request-success-rate', maximum: 100 },
        ],
      });
      expect(settings.checks).toEqual([SUCCESS_RATE, DURATION]);
      expect(errors).toEqual([
        'istio-rollouts/analysis: checks[0] must be an object with a name, not "request-duration".',
        'istio-rollouts/analysis: checks[1] needs a name.',
        'istio-rollouts/analysis: checks[2] needs a name.',
        "istio-rollouts/analysis: checks[3] ('request-duration'): 'min' and 'max' must be numbers (or null).",
        // One entry per check, so the list says one thing about each.
        "istio-rollouts/analysis: checks[4] ('request-duration') repeats a check listed before it; ignored.",
        "istio-rollouts/analysis: checks[5] ('request-success-rate'): 'maximum' is not a setting (known: name, query, min, max, enabled); ignored.",
      ]);
    });

    it('reports bad enabled flags and a non-list', () => {
      const cases: Array<[unknown, string]> = [
        [
          [{ name: 'request-duration', enabled: 'no' }],
          "istio-rollouts/analysis: checks[0] ('request-duration'): 'enabled' must be true or false; ignored.",
        ],
        [
          { name: 'request-duration' },
          'istio-rollouts/analysis: \'checks\' must be a list of checks, not {"name":"request-duration"}; using request-success-rate, request-duration.',
        ],
      ];
      for (const [checks, error] of cases) {
        const { settings, errors } = parse({ checks });
        expect(settings.checks).toEqual([SUCCESS_RATE, DURATION]);
        expect(errors).toEqual([error]);
      }
    });

    it('an empty list keeps the defaults', () => {
      expect(parse({ checks: [] })).toEqual(parse({}));
    });
  });

  describe('routes', () => {
    it('applies a route override on top of the entity-level checks', () => {
      const { settings, errors } = parse({
        autoRollback: false,
        checks: [{ name: 'request-duration', max: 300 }],
        routes: {
          primary: {
            autoRollback: true,
            checks: [{ name: 'request-success-rate', min: 99.9 }],
          },
          quiet: {},
        },
      });
      expect(errors).toEqual([]);
      expect(settings.routes).toEqual({
        primary: {
          autoRollback: true,
          checks: [
            { ...SUCCESS_RATE, min: 99.9 },
            { ...DURATION, max: 300 },
          ],
        },
        quiet: {},
      });
    });

    it('reports bad routes', () => {
      const { settings, errors } = parse({
        routes: {
          a: 'on',
          b: { autoRollback: 'yes', weight: 3 },
          c: { checks: [{ name: 'nope', max: 1 }] },
        },
      });
      expect(errors).toEqual([
        "istio-rollouts/analysis: routes['a'] must be an object of settings; ignored.",
        "istio-rollouts/analysis: routes['b']: 'weight' is not a setting (known: autoRollback, checks); ignored.",
        "istio-rollouts/analysis: routes['b']: 'autoRollback' must be true or false, not \"yes\"; using false.",
        "istio-rollouts/analysis: routes['c']: checks[0] ('nope') is not a check of this installation (known: request-success-rate, request-duration); platform engineers add checks in app-config (istioRollouts.metrics.checks).",
      ]);
      expect(settings.routes).toEqual({
        b: { autoRollback: false },
        c: { checks: [SUCCESS_RATE, DURATION] },
      });
      expect(parse({ routes: [] }).errors).toEqual([
        "istio-rollouts/analysis: 'routes' must map route names to settings, not []; ignored.",
      ]);
    });

    it('does not let a route named __proto__ touch the prototype', () => {
      const { settings, errors } = parseAnalysisSettings(
        '{"routes": {"__proto__": {"autoRollback": true}}}',
      );
      expect(errors).toEqual([
        "istio-rollouts/analysis: routes['__proto__'] is not a route name; ignored.",
      ]);
      expect(Object.getPrototypeOf(settings.routes)).toBe(Object.prototype);
      expect(settingsForRoute(settings, '__proto__').autoRollback).toBe(false);
    });
  });

  it('names its annotation', () => {
    expect(ANALYSIS_ANNOTATION).toBe('istio-rollouts/analysis');
  });
});

describe('settingsForRoute', () => {
  const { settings } = parse({
    autoRollback: true,
    tolerance: 0.2,
    minRequests: 50,
    routes: {
      primary: {
        autoRollback: false,
        checks: [{ name: 'request-duration', enabled: false }],
      },
      'only-rollback': { autoRollback: false },
    },
  });

  it('merges the named route’s overrides', () => {
    expect(settingsForRoute(settings, 'primary')).toEqual({
      enabled: true,
      autoRollback: false,
      checks: [SUCCESS_RATE],
      tolerance: 0.2,
      minRequests: 50,
      routes: {},
    });
    expect(settingsForRoute(settings, 'only-rollback')).toMatchObject({
      autoRollback: false,
      checks: [SUCCESS_RATE, DURATION],
    });
  });

  it('gives the entity’s settings to unnamed and unmentioned routes', () => {
    for (const name of [undefined, 'other', 'toString']) {
      expect(settingsForRoute(settings, name)).toEqual({
        ...settings,
        routes: {},
      });
    }
  });

  it('returns copies', () => {
    const route = settingsForRoute(settings);
    route.checks[0].min = 0;
    expect(settings.checks[0].min).toBe(99);
  });
});
