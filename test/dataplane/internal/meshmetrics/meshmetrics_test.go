// Copyright 2026 The Istio Rollouts for Backstage Authors
//
// Licensed under the Apache License, Version 2.0 (the "License");
// you may not use this file except in compliance with the License.
// You may obtain a copy of the License at
//
//     http://www.apache.org/licenses/LICENSE-2.0
//
// Unless required by applicable law or agreed to in writing, software
// distributed under the License is distributed on an "AS IS" BASIS,
// WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
// See the License for the specific language governing permissions and
// limitations under the License.

package meshmetrics

import (
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"google.golang.org/grpc/codes"
)

func TestHTTPStatus(t *testing.T) {
	want := map[codes.Code]int{
		codes.OK:                 200,
		codes.Canceled:           499,
		codes.Unknown:            500,
		codes.InvalidArgument:    400,
		codes.DeadlineExceeded:   504,
		codes.NotFound:           404,
		codes.AlreadyExists:      409,
		codes.PermissionDenied:   403,
		codes.ResourceExhausted:  429,
		codes.FailedPrecondition: 400,
		codes.Aborted:            409,
		codes.OutOfRange:         400,
		codes.Unimplemented:      501,
		codes.Internal:           500,
		codes.Unavailable:        503,
		codes.DataLoss:           500,
		codes.Unauthenticated:    401,
		codes.Code(99):           500,
	}
	for c, status := range want {
		if got := HTTPStatus(c); got != status {
			t.Errorf("HTTPStatus(%v) = %d, want %d", c, got, status)
		}
	}
	// Flagger's success-rate check counts response_code !~ "5.*": only the
	// server-side failures may land there, never a success.
	for c := codes.OK; c <= codes.Unauthenticated; c++ {
		if s := HTTPStatus(c); (s == 200) != (c == codes.OK) {
			t.Errorf("HTTPStatus(%v) = %d: only OK may be 200", c, s)
		}
	}
}

func TestServiceFromAuthority(t *testing.T) {
	cases := []struct{ in, svc, name, ns string }{
		{"reviews.demo.svc.cluster.local:9080", "reviews.demo.svc.cluster.local", "reviews", "demo"},
		{"Reviews.Demo.svc.cluster.local.", "reviews.demo.svc.cluster.local", "reviews", "demo"},
		{"reviews-canary.shop.svc.cluster.local", "reviews-canary.shop.svc.cluster.local", "reviews-canary", "shop"},
		{"reviews:9080", "reviews", "reviews", "unknown"},
		{"198.18.5.7:9080", "198.18.5.7", "unknown", "unknown"},
		{"[fd00::2]:7072", "fd00::2", "unknown", "unknown"},
		{"", "unknown", "unknown", "unknown"},
	}
	for _, c := range cases {
		svc, name, ns := ServiceFromAuthority(c.in)
		if svc != c.svc || name != c.name || ns != c.ns {
			t.Errorf("ServiceFromAuthority(%q) = %q %q %q, want %q %q %q", c.in, svc, name, ns, c.svc, c.name, c.ns)
		}
	}
}

var dest = Destination{Workload: "reviews-v2", Namespace: "demo", App: "reviews", Version: "v2"}

func TestLabelsCoverIstioStandardSet(t *testing.T) {
	l := dest.Labels(Call{SourceWorkload: "traffic-generator", SourceNamespace: "demo",
		Authority: "reviews.demo.svc.cluster.local:9080", Code: codes.Unavailable})
	if len(l) != len(LabelNames) {
		t.Fatalf("%d labels, want %d", len(l), len(LabelNames))
	}
	for _, n := range LabelNames {
		if _, ok := l[n]; !ok {
			t.Errorf("label %s missing", n)
		}
	}
	want := map[string]string{
		"reporter":                       "destination",
		"source_workload":                "traffic-generator",
		"source_workload_namespace":      "demo",
		"destination_workload":           "reviews-v2",
		"destination_workload_namespace": "demo",
		"destination_app":                "reviews",
		"destination_version":            "v2",
		"destination_service":            "reviews.demo.svc.cluster.local",
		"destination_service_name":       "reviews",
		"destination_service_namespace":  "demo",
		"destination_canonical_service":  "reviews",
		"destination_canonical_revision": "v2",
		"request_protocol":               "grpc",
		"response_code":                  "503",
		"grpc_response_status":           "14",
		"response_flags":                 "-",
		"connection_security_policy":     "none",
	}
	for k, v := range want {
		if l[k] != v {
			t.Errorf("%s = %q, want %q", k, l[k], v)
		}
	}
}

func TestLabelsUnknownSource(t *testing.T) {
	l := Destination{Workload: "reviews-v1", Namespace: "demo", App: "reviews"}.Labels(Call{Code: codes.OK})
	for _, k := range []string{"source_workload", "source_workload_namespace", "source_canonical_service", "destination_version", "destination_canonical_revision", "destination_service"} {
		if l[k] != "unknown" {
			t.Errorf("%s = %q, want unknown", k, l[k])
		}
	}
	if l["response_code"] != "200" || l["grpc_response_status"] != "0" {
		t.Errorf("OK call: response_code %s grpc_response_status %s", l["response_code"], l["grpc_response_status"])
	}
}

func findMetric(t *testing.T, fams []*dto.MetricFamily, name string, match map[string]string) *dto.Metric {
	t.Helper()
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
	next:
		for _, m := range f.GetMetric() {
			have := map[string]string{}
			for _, lp := range m.GetLabel() {
				have[lp.GetName()] = lp.GetValue()
			}
			for k, v := range match {
				if have[k] != v {
					continue next
				}
			}
			return m
		}
	}
	t.Fatalf("no %s with %v", name, match)
	return nil
}

func TestRecorder(t *testing.T) {
	reg := prometheus.NewRegistry()
	r, err := NewRecorder(reg, dest)
	if err != nil {
		t.Fatal(err)
	}
	call := Call{SourceWorkload: "traffic-generator", SourceNamespace: "demo", Authority: "reviews.demo.svc.cluster.local:9080"}
	r.Observe(call, 3*time.Millisecond)
	r.Observe(call, 30*time.Millisecond)
	call.Code = codes.Unavailable
	r.Observe(call, 700*time.Microsecond)

	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	ok := findMetric(t, fams, RequestsTotalName, map[string]string{"response_code": "200"})
	if v := ok.GetCounter().GetValue(); v != 2 {
		t.Errorf("200 count = %v, want 2", v)
	}
	failed := findMetric(t, fams, RequestsTotalName, map[string]string{"response_code": "503", "grpc_response_status": "14"})
	if v := failed.GetCounter().GetValue(); v != 1 {
		t.Errorf("503 count = %v, want 1", v)
	}
	h := findMetric(t, fams, RequestDurationName, map[string]string{"response_code": "200"}).GetHistogram()
	if h.GetSampleCount() != 2 || h.GetSampleSum() != 33 {
		t.Errorf("histogram count %d sum %v, want 2 and 33 ms", h.GetSampleCount(), h.GetSampleSum())
	}
	var bounds []float64
	cumulative := map[float64]uint64{}
	for _, b := range h.GetBucket() {
		bounds = append(bounds, b.GetUpperBound())
		cumulative[b.GetUpperBound()] = b.GetCumulativeCount()
	}
	if !slices.Equal(bounds, DurationBucketsMs) {
		t.Errorf("buckets %v, want %v", bounds, DurationBucketsMs)
	}
	// 3 ms lands in (1,5], 30 ms in (25,50].
	if cumulative[1] != 0 || cumulative[5] != 1 || cumulative[25] != 1 || cumulative[50] != 2 {
		t.Errorf("cumulative counts %v", cumulative)
	}
	hf := findMetric(t, fams, RequestDurationName, map[string]string{"response_code": "503"}).GetHistogram()
	if hf.GetSampleSum() != 0.7 {
		t.Errorf("sub-millisecond duration recorded as %v ms, want 0.7", hf.GetSampleSum())
	}
}
