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

package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	testpb "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

func TestApplyFaultParams(t *testing.T) {
	cur := faultSetting{ErrorRate: 0.2, DelayMs: 5}
	got, err := applyFaultParams(cur, url.Values{"error-rate": {"0.5"}})
	if err != nil || got != (faultSetting{ErrorRate: 0.5, DelayMs: 5}) {
		t.Errorf("error-rate only: %+v %v", got, err)
	}
	got, err = applyFaultParams(cur, url.Values{"delay-ms": {"0"}})
	if err != nil || got != (faultSetting{ErrorRate: 0.2, DelayMs: 0}) {
		t.Errorf("delay-ms only: %+v %v", got, err)
	}
	got, err = applyFaultParams(cur, url.Values{"error-rate": {"1"}, "delay-ms": {"250"}})
	if err != nil || got != (faultSetting{ErrorRate: 1, DelayMs: 250}) {
		t.Errorf("both: %+v %v", got, err)
	}
	for _, bad := range []url.Values{
		{"error-rate": {"1.5"}}, {"error-rate": {"-0.1"}}, {"error-rate": {"NaN"}}, {"error-rate": {""}},
		{"delay-ms": {"-1"}}, {"delay-ms": {"1.5"}}, {"delay-ms": {"x"}}, {"delay-ms": {"600001"}},
		{"errorrate": {"0.1"}},
	} {
		if got, err := applyFaultParams(cur, bad); err == nil {
			t.Errorf("%v accepted as %+v", bad, got)
		} else if got != cur {
			t.Errorf("%v changed the setting to %+v", bad, got)
		}
	}
}

func TestServiceTime(t *testing.T) {
	base := 2 * time.Millisecond
	if d := serviceTime(base, 0); d != base {
		t.Errorf("median draw %v, want %v", d, base)
	}
	if d := serviceTime(base, 100); d != 10*base {
		t.Errorf("extreme draw %v, want the cap %v", d, 10*base)
	}
	// Two standard deviations either way must leave Istio's (1,5] ms bucket:
	// that spread is what makes the histogram more than one bucket.
	if lo, hi := serviceTime(base, -2), serviceTime(base, 2); lo >= time.Millisecond || hi <= 5*time.Millisecond {
		t.Errorf("±2σ gives %v..%v; want below 1 ms and above 5 ms", lo, hi)
	}
}

func TestCheckListenAddr(t *testing.T) {
	for _, a := range []string{"127.0.0.1:0", "198.18.5.7:9080", "[::1]:15020", "localhost:80"} {
		if err := checkListenAddr(a); err != nil {
			t.Errorf("%s: %v", a, err)
		}
	}
	for _, a := range []string{":9080", "0.0.0.0:9080", "[::]:9080", "198.18.5.7"} {
		if checkListenAddr(a) == nil {
			t.Errorf("%s accepted", a)
		}
	}
}

// startServer runs the real server on loopback ports and returns a client
// whose calls carry the mesh authority, and the metrics base URL.
func startServer(t *testing.T, fault faultSetting) (testpb.TestServiceClient, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	type addrs struct {
		grpc    []net.Addr
		metrics net.Addr
	}
	up := make(chan addrs, 1)
	done := make(chan error, 1)
	cfg := config{
		grpcAddrs:   []string{"127.0.0.1:0", "127.0.0.1:0"},
		metricsAddr: "127.0.0.1:0",
		pod:         "reviews-v2-7d9f-abcde",
		latency:     time.Millisecond,
		fault:       fault,
	}
	cfg.dest.Namespace, cfg.dest.Workload, cfg.dest.App, cfg.dest.Version = "demo", "reviews-v2", "reviews", "v2"
	go func() {
		done <- run(ctx, cfg, func(g []net.Addr, m net.Addr) { up <- addrs{g, m} })
	}()
	var a addrs
	select {
	case a = <-up:
	case err := <-done:
		t.Fatalf("run: %v", err)
	}
	if len(a.grpc) != 2 {
		t.Fatalf("%d gRPC listeners, want 2", len(a.grpc))
	}
	// Use the second port, to show every listed port serves.
	conn, err := grpc.NewClient("passthrough:///"+a.grpc[1].String(),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithAuthority("reviews.demo.svc.cluster.local:9080"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn.Close()
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run returned %v after cancel", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("run did not return after cancel")
		}
	})
	return testpb.NewTestServiceClient(conn), "http://" + a.metrics.String()
}

func callAs(c testpb.TestServiceClient, workload string) (*testpb.SimpleResponse, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if workload != "" {
		ctx = metadata.AppendToOutgoingContext(ctx, sourceWorkloadKey, workload, sourceNamespaceKey, "demo")
	}
	return c.UnaryCall(ctx, &testpb.SimpleRequest{})
}

func httpDo(t *testing.T, method, u string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, u, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func scrape(t *testing.T, base string) map[string]*dto.MetricFamily {
	t.Helper()
	code, body := httpDo(t, "GET", base+"/stats/prometheus")
	if code != 200 {
		t.Fatalf("scrape: %d %s", code, body)
	}
	// Legacy names: Debian's Prometheus 2.42 knows no other kind.
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("scrape is not Prometheus text: %v\n%s", err, body)
	}
	return fams
}

func labelsOf(m *dto.Metric) map[string]string {
	l := map[string]string{}
	for _, p := range m.GetLabel() {
		l[p.GetName()] = p.GetValue()
	}
	return l
}

func TestServeCallsFaultAndMetrics(t *testing.T) {
	c, base := startServer(t, faultSetting{})

	resp, err := callAs(c, "traffic-generator")
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetServerId() != "v2" || resp.GetHostname() != "reviews-v2-7d9f-abcde" {
		t.Errorf("answer %v", resp)
	}
	if _, err := callAs(c, ""); err != nil {
		t.Fatal(err)
	}

	if code, body := httpDo(t, "POST", base+"/fault?error-rate=1"); code != 200 || !strings.Contains(body, `"errorRate":1`) {
		t.Fatalf("POST /fault: %d %s", code, body)
	}
	_, err = callAs(c, "traffic-generator")
	if st := status.Convert(err); st.Code() != codes.Unavailable || st.Message() != "injected fault" {
		t.Errorf("with error-rate=1: %v", err)
	}
	if code, body := httpDo(t, "POST", base+"/fault?error-rate=2"); code != 400 || !strings.Contains(body, "error-rate") {
		t.Errorf("bad error-rate: %d %s", code, body)
	}
	if code, _ := httpDo(t, "GET", base+"/fault?error-rate=0"); code != 405 {
		t.Errorf("GET with a change: %d, want 405", code)
	}
	if code, body := httpDo(t, "POST", base+"/fault?error-rate=0&delay-ms=60"); code != 200 {
		t.Fatalf("POST /fault: %d %s", code, body)
	}
	code, body := httpDo(t, "GET", base+"/fault")
	var f faultSetting
	if err := json.Unmarshal([]byte(body), &f); code != 200 || err != nil || f != (faultSetting{ErrorRate: 0, DelayMs: 60}) {
		t.Errorf("GET /fault: %d %s", code, body)
	}
	start := time.Now()
	if _, err := callAs(c, "traffic-generator"); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 60*time.Millisecond {
		t.Errorf("delay-ms=60 but the call took %v", d)
	}
	if code, body := httpDo(t, "GET", base+"/healthz"); code != 200 || strings.TrimSpace(body) != "ok" {
		t.Errorf("healthz: %d %q", code, body)
	}

	fams := scrape(t, base)
	if _, err := http.Get(base + "/metrics"); err != nil {
		t.Error(err)
	}
	type key struct{ source, code, grpcStatus string }
	counts := map[key]float64{}
	for _, m := range fams["istio_requests_total"].GetMetric() {
		l := labelsOf(m)
		for k, want := range map[string]string{
			"reporter": "destination", "destination_workload": "reviews-v2", "destination_workload_namespace": "demo",
			"destination_app": "reviews", "destination_version": "v2", "destination_service": "reviews.demo.svc.cluster.local",
			"destination_service_name": "reviews", "destination_service_namespace": "demo", "request_protocol": "grpc",
		} {
			if l[k] != want {
				t.Errorf("%s = %q, want %q", k, l[k], want)
			}
		}
		counts[key{l["source_workload"], l["response_code"], l["grpc_response_status"]}] += m.GetCounter().GetValue()
	}
	want := map[key]float64{
		{"traffic-generator", "200", "0"}:  2,
		{"unknown", "200", "0"}:            1,
		{"traffic-generator", "503", "14"}: 1,
	}
	for k, n := range want {
		if counts[k] != n {
			t.Errorf("istio_requests_total%v = %v, want %v (all: %v)", k, counts[k], n, counts)
		}
	}
	var slow float64
	for _, m := range fams["istio_request_duration_milliseconds"].GetMetric() {
		if l := labelsOf(m); l["source_workload"] == "traffic-generator" && l["response_code"] == "200" {
			h := m.GetHistogram()
			for _, b := range h.GetBucket() {
				if b.GetUpperBound() == 50 {
					slow = float64(h.GetSampleCount() - b.GetCumulativeCount())
				}
			}
		}
	}
	if slow != 1 {
		t.Errorf("%v calls above 50 ms in the histogram, want the one delayed call", slow)
	}
}
