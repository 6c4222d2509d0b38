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
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	testpb "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"istio-rollouts/test/dataplane/internal/callwindow"
	"istio-rollouts/test/dataplane/internal/usermix"
)

// scriptedServer is a plain gRPC server for these tests: it fails its
// first failN calls with failErr and remembers the metadata of every call.
type scriptedServer struct {
	testpb.UnimplementedTestServiceServer
	mu      sync.Mutex
	failN   int
	failErr error
	seen    []metadata.MD
}

func (s *scriptedServer) UnaryCall(ctx context.Context, _ *testpb.SimpleRequest) (*testpb.SimpleResponse, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seen = append(s.seen, md)
	if s.failN > 0 {
		s.failN--
		return nil, s.failErr
	}
	return &testpb.SimpleResponse{ServerId: "v1"}, nil
}

func (s *scriptedServer) script(n int, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failN, s.failErr, s.seen = n, err, nil
}

func (s *scriptedServer) calls() []metadata.MD {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.seen)
}

func startScripted(t *testing.T) (*scriptedServer, string) {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &scriptedServer{}
	gs := grpc.NewServer()
	testpb.RegisterTestServiceServer(gs, srv)
	go gs.Serve(lis)
	t.Cleanup(gs.Stop)
	return srv, "passthrough:///" + lis.Addr().String()
}

func testOptions(target string) options {
	return options{target: target, n: 40, concurrency: 4, timeout: 5 * time.Second, callTimeout: 2 * time.Second,
		retries: 2, mix: "jason:10,cookie:5,anonymous:85", sourceWorkload: "traffic-generator", sourceNamespace: "shop",
		fixedMD: []string{"x-test", "1"}}
}

func TestRetryCause(t *testing.T) {
	for msg, want := range map[string]string{
		`unknown cluster selected for RPC: "cluster:outbound|7070|v1|echo.dp.svc.cluster.local"`: "unknown cluster",
		"injected fault": "injected fault",
		"latest balancer error: weighted-target: no targets to pick from":                                                  "no endpoints",
		`connection error: desc = "transport: Error while dialing: dial tcp 198.18.5.7:9080: connect: connection refused"`: "connect failure",
		"something new": "other",
	} {
		if got := retryCause(status.Error(codes.Unavailable, msg)); got != want {
			t.Errorf("retryCause(%q) = %q, want %q", msg, got, want)
		}
	}
}

func TestCallerRetries(t *testing.T) {
	srv, target := startScripted(t)
	conn, c, err := dial(target, testOptions(target))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c.backoff = time.Millisecond
	anon := usermix.Class{Name: "anonymous"}
	unknownCluster := status.Error(codes.Unavailable, `unknown cluster selected for RPC: "cluster:outbound|9080|v2|reviews.demo.svc.cluster.local"`)

	srv.script(2, unknownCluster)
	if res := c.do(context.Background(), anon); res.Err != "" || res.Version != "v1" || res.Retries != 2 ||
		!slices.Equal(res.RetryCauses, []string{"unknown cluster", "unknown cluster"}) {
		t.Errorf("two Unavailable then OK: %+v", res)
	}
	if n := len(srv.calls()); n != 3 {
		t.Errorf("%d attempts, want 3", n)
	}

	srv.script(3, status.Error(codes.Unavailable, "injected fault"))
	if res := c.do(context.Background(), anon); res.Err != "Unavailable" || res.Retries != 2 || res.Version != "" {
		t.Errorf("three Unavailable: %+v", res)
	}
	if n := len(srv.calls()); n != 3 {
		t.Errorf("%d attempts, want 3 (1 + 2 retries)", n)
	}

	srv.script(1, status.Error(codes.Internal, "boom"))
	if res := c.do(context.Background(), anon); res.Err != "Internal" || res.Retries != 0 {
		t.Errorf("Internal must not be retried: %+v", res)
	}
	if n := len(srv.calls()); n != 1 {
		t.Errorf("%d attempts, want 1", n)
	}
}

func TestCallerMetadata(t *testing.T) {
	srv, target := startScripted(t)
	conn, c, err := dial(target, testOptions(target))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	mix, _ := usermix.Parse("jason:25,cookie:25,anonymous:25,bob:25")
	for _, cl := range mix.Classes() {
		srv.script(0, nil)
		if res := c.do(context.Background(), cl); res.Err != "" {
			t.Fatalf("%s: %+v", cl.Name, res)
		}
		md := srv.calls()[0]
		if got := md.Get("x-source-workload"); !slices.Equal(got, []string{"traffic-generator"}) {
			t.Errorf("%s: x-source-workload %v", cl.Name, got)
		}
		if got := md.Get("x-source-namespace"); !slices.Equal(got, []string{"shop"}) {
			t.Errorf("%s: x-source-namespace %v", cl.Name, got)
		}
		if got := md.Get("x-test"); !slices.Equal(got, []string{"1"}) {
			t.Errorf("%s: -header value %v", cl.Name, got)
		}
		user, cookie := md.Get("end-user"), md.Get("cookie")
		switch cl.Name {
		case "anonymous":
			if len(user)+len(cookie) != 0 {
				t.Errorf("anonymous sent end-user %v cookie %v", user, cookie)
			}
		case "cookie":
			if len(user) != 0 || len(cookie) != 1 || !strings.Contains(cookie[0], "canary=always") {
				t.Errorf("cookie class sent end-user %v cookie %v", user, cookie)
			}
		default:
			if !slices.Equal(user, []string{cl.Name}) || len(cookie) != 0 {
				t.Errorf("%s sent end-user %v cookie %v", cl.Name, user, cookie)
			}
		}
	}
}

func TestOneShot(t *testing.T) {
	srv, target := startScripted(t)
	// The first-answer probe meets two failures and must keep trying.
	srv.script(2, status.Error(codes.Unavailable, "injected fault"))
	o := testOptions(target)
	rep, err := runOneShot(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Target != target || rep.Total != 40 || rep.OK != 40 || rep.ByVersion["v1"] != 40 || rep.FirstAnswerMs <= 0 {
		t.Errorf("report %+v", rep)
	}
	if rep.ByUser["jason"]["v1"] != 4 || rep.ByUser["cookie"]["v1"] != 2 || rep.ByUser["anonymous"]["v1"] != 34 {
		t.Errorf("byUser %v, want jason 4 cookie 2 anonymous 34", rep.ByUser)
	}
	if n := len(srv.calls()); n != 43 {
		t.Errorf("server saw %d calls, want 40 and three first-answer probes", n)
	}
	if rep.Retries != 0 || len(rep.Errors) != 0 {
		t.Errorf("the probe's failures leaked into the counts: %+v", rep)
	}
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(rep); err != nil {
		t.Fatal(err)
	}
	var decoded map[string]any
	if err := json.Unmarshal(buf.Bytes(), &decoded); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"target", "total", "ok", "byVersion", "errors", "retries", "byUser", "latencyMs", "firstAnswerMs"} {
		if _, ok := decoded[k]; !ok {
			t.Errorf("JSON lacks %q: %s", k, buf.String())
		}
	}
	lat, _ := decoded["latencyMs"].(map[string]any)
	if _, ok := lat["p50"]; !ok {
		t.Errorf("latencyMs lacks p50: %s", buf.String())
	}
}

func TestOneShotNoAnswer(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	lis.Close() // nothing listens there now
	o := testOptions("passthrough:///" + addr)
	o.timeout = 300 * time.Millisecond
	start := time.Now()
	if _, err := runOneShot(context.Background(), o); err == nil || !strings.Contains(err.Error(), "no answer") || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("err = %v", err)
	}
	if d := time.Since(start); d < 300*time.Millisecond || d > 3*time.Second {
		t.Errorf("gave up after %v, want about the 300 ms timeout", d)
	}
}

func getJSON(t *testing.T, h http.Handler, path string, v any) int {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	if rec.Code == 200 && v != nil {
		if err := json.Unmarshal(rec.Body.Bytes(), v); err != nil {
			t.Fatalf("%s: %v: %s", path, err, rec.Body.String())
		}
	}
	return rec.Code
}

func TestServe(t *testing.T) {
	_, target := startScripted(t)
	o := testOptions("")
	o.targets, o.rate, o.retention = []string{target}, 50, time.Minute
	s, err := newTrafficServer(o)
	if err != nil {
		t.Fatal(err)
	}
	h := s.handler()
	from := time.Now().UnixMilli()
	s.start(context.Background())
	time.Sleep(1200 * time.Millisecond)
	to := from + 1000
	time.Sleep(100 * time.Millisecond) // let the calls of the window finish
	defer s.close()

	q := url.Values{"target": {target}, "from": {fmt.Sprint(from)}, "to": {fmt.Sprint(to)}}
	var win windowReport
	if code := getJSON(t, h, "/window?"+q.Encode(), &win); code != 200 {
		t.Fatalf("/window: %d", code)
	}
	// 50/s for 1 s: the ticker may drop ticks on a busy machine, never add.
	if win.Total < 25 || win.Total > 52 || win.OK != win.Total || win.ByVersion["v1"] != win.Total || win.Pending != 0 || win.Truncated {
		t.Errorf("window %+v", win)
	}
	if j := win.ByUser["jason"]["v1"]; j < win.Total/10-1 || j > win.Total/10+1 {
		t.Errorf("jason made %d of %d calls, want 10%%", j, win.Total)
	}

	q.Set("bucket", "100")
	var buckets []callwindow.Bucket
	if code := getJSON(t, h, "/timeline?"+q.Encode(), &buckets); code != 200 {
		t.Fatalf("/timeline: %d", code)
	}
	if len(buckets) != 10 {
		t.Fatalf("%d buckets, want 10", len(buckets))
	}
	sum := 0
	for i, b := range buckets {
		sum += b.Total
		// Paced, not bursty: 5 calls per 100 ms; a burst would stack them.
		if b.Total > 8 {
			t.Errorf("bucket %d holds %d calls; pacing should give about 5", i, b.Total)
		}
	}
	if sum != win.Total {
		t.Errorf("timeline sums to %d, window says %d", sum, win.Total)
	}

	var health struct {
		Targets map[string]targetHealth `json:"targets"`
	}
	if code := getJSON(t, h, "/healthz", &health); code != 200 || health.Targets[target].FirstAnswerMs == nil || health.Targets[target].Calls < 25 {
		t.Errorf("/healthz %d %+v", code, health)
	}
	// With one target, ?target= may be left out.
	if code := getJSON(t, h, fmt.Sprintf("/window?from=%d&to=%d", from, to), nil); code != 200 {
		t.Errorf("window without target: %d", code)
	}
	for _, bad := range []string{
		"/window?target=xds:///nope:1&from=1", "/window?to=5", "/window?from=10&to=5", "/window?from=x",
		fmt.Sprintf("/timeline?from=%d&to=%d", from, to), fmt.Sprintf("/timeline?from=%d&to=%d&bucket=0", from, to),
	} {
		if code := getJSON(t, h, bad, nil); code != 400 {
			t.Errorf("%s: %d, want 400", bad, code)
		}
	}
}

func TestRunServeListensAndStops(t *testing.T) {
	_, target := startScripted(t)
	o := testOptions("")
	o.targets, o.rate, o.retention, o.serve = []string{target}, 20, time.Minute, "127.0.0.1:0"
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := newLineWriter()
	done := make(chan error, 1)
	go func() { done <- runServe(ctx, o, pw) }()
	line := <-pr
	addr, ok := strings.CutPrefix(line, "listening on ")
	if !ok || !strings.HasPrefix(addr, "127.0.0.1:") {
		t.Fatalf("first line %q", line)
	}
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	resp.Body.Close()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("runServe: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("runServe did not stop")
	}
	o.serve = "0.0.0.0:0"
	if err := runServe(context.Background(), o, pw); err == nil {
		t.Error("a wildcard -serve address was accepted")
	}
}

// lineWriter hands each written line to a channel.
type lineWriter struct{ lines chan string }

func newLineWriter() (<-chan string, *lineWriter) {
	w := &lineWriter{lines: make(chan string, 16)}
	return w.lines, w
}

func (w *lineWriter) Write(p []byte) (int, error) {
	for _, l := range strings.Split(strings.TrimRight(string(p), "\n"), "\n") {
		w.lines <- l
	}
	return len(p), nil
}

func TestParseFlags(t *testing.T) {
	o, err := parseFlags([]string{"-target", "xds:///a.b.svc.cluster.local:80", "-n", "10"})
	if err != nil || o.mix != defaultMix || o.concurrency != 4 || o.timeout != 20*time.Second || o.retries != 2 || o.sourceNamespace != "demo" {
		t.Errorf("defaults: %+v %v", o, err)
	}
	o, err = parseFlags([]string{"-target", "t", "-n", "1", "-header", "end-user=jason"})
	if err != nil || o.mix != headerOnlyMix || !slices.Equal(o.fixedMD, []string{"end-user", "jason"}) {
		t.Errorf("with -header: %+v %v", o, err)
	}
	o, err = parseFlags([]string{"-serve", "127.0.0.1:0", "-targets", "a, b", "-rate", "5"})
	if err != nil || !slices.Equal(o.targets, []string{"a", "b"}) || o.rate != 5 || o.retention != 10*time.Minute {
		t.Errorf("serve: %+v %v", o, err)
	}
	for _, bad := range [][]string{
		{}, {"-target", "t"}, {"-target", "t", "-n", "1", "-mix", "jason:50"}, {"-serve", "127.0.0.1:0"},
		{"-serve", "127.0.0.1:0", "-targets", "a", "-rate", "0"}, {"-target", "t", "-n", "1", "-header", "bad"},
		{"-target", "t", "-n", "1", "extra"}, {"-target", "t", "-n", "1", "-header", "end-user=bob", "-mix", "jason:10,anonymous:90"},
	} {
		if _, err := parseFlags(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
