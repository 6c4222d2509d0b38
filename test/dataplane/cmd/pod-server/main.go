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

// pod-server stands in for the container of one kwok pod: it listens on the
// pod's IP and container ports, answers grpc.testing.TestService calls with
// its version, and exports the request metrics an Istio sidecar would report
// for them on <podIP>:15020/stats/prometheus. A fault switch makes a share of
// its calls fail or slow down, so canary analysis has something to catch.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	testpb "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/reflection"
	"google.golang.org/grpc/status"

	"istio-rollouts/test/dataplane/internal/meshmetrics"
)

// Metadata keys a caller uses to say who it is; a real mesh learns this from
// the peer's sidecar instead.
const (
	sourceWorkloadKey  = "x-source-workload"
	sourceNamespaceKey = "x-source-namespace"
	maxDelayMs         = 10 * 60 * 1000
)

type config struct {
	grpcAddrs   []string
	metricsAddr string
	pod         string
	dest        meshmetrics.Destination
	latency     time.Duration
	fault       faultSetting
}

// faultSetting is the fault switch's state; JSON is what GET /fault shows.
type faultSetting struct {
	ErrorRate float64 `json:"errorRate"`
	DelayMs   int     `json:"delayMs"`
}

// applyFaultParams returns cur changed by the error-rate and delay-ms values
// given; parameters that are absent keep their current value.
func applyFaultParams(cur faultSetting, v url.Values) (faultSetting, error) {
	for k := range v {
		if k != "error-rate" && k != "delay-ms" {
			return cur, fmt.Errorf("unknown parameter %q (want error-rate and/or delay-ms)", k)
		}
	}
	if s := v.Get("error-rate"); v.Has("error-rate") {
		r, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(r) || r < 0 || r > 1 {
			return cur, fmt.Errorf("error-rate %q: want a number from 0 to 1", s)
		}
		cur.ErrorRate = r
	}
	if s := v.Get("delay-ms"); v.Has("delay-ms") {
		d, err := strconv.Atoi(s)
		if err != nil || d < 0 || d > maxDelayMs {
			return cur, fmt.Errorf("delay-ms %q: want a whole number from 0 to %d", s, maxDelayMs)
		}
		cur.DelayMs = d
	}
	return cur, nil
}

type faultSwitch struct {
	mu  sync.Mutex
	cur faultSetting
}

func (f *faultSwitch) get() faultSetting {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.cur
}

func (f *faultSwitch) update(v url.Values) (faultSetting, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	next, err := applyFaultParams(f.cur, v)
	if err == nil {
		f.cur = next
	}
	return f.cur, err
}

// serviceTime draws one call's work time: log-normal around base (median
// base, about 1 call in 25 over 2.3×base), so the latency histogram spreads
// over neighbouring buckets the way a real service's does.
func serviceTime(base time.Duration, normal float64) time.Duration {
	f := math.Exp(0.5 * normal)
	return time.Duration(float64(base) * min(f, 10))
}

type podServer struct {
	testpb.UnimplementedTestServiceServer
	cfg   config
	fault *faultSwitch
	rec   *meshmetrics.Recorder
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return status.FromContextError(ctx.Err()).Err()
	}
}

// work spends the call's time and decides whether the fault hits it.
func (p *podServer) work(ctx context.Context) error {
	f := p.fault.get()
	d := time.Duration(f.DelayMs)*time.Millisecond + serviceTime(p.cfg.latency, rand.NormFloat64())
	if err := sleepCtx(ctx, d); err != nil {
		return err
	}
	if f.ErrorRate > 0 && rand.Float64() < f.ErrorRate {
		return status.Error(codes.Unavailable, "injected fault")
	}
	return nil
}

func (p *podServer) UnaryCall(ctx context.Context, _ *testpb.SimpleRequest) (*testpb.SimpleResponse, error) {
	if err := p.work(ctx); err != nil {
		return nil, err
	}
	return &testpb.SimpleResponse{ServerId: p.cfg.dest.Version, Hostname: p.cfg.pod}, nil
}

func (p *podServer) EmptyCall(ctx context.Context, _ *testpb.Empty) (*testpb.Empty, error) {
	if err := p.work(ctx); err != nil {
		return nil, err
	}
	return &testpb.Empty{}, nil
}

func firstValue(md metadata.MD, key string) string {
	if v := md.Get(key); len(v) > 0 {
		return v[0]
	}
	return ""
}

// observe is a unary interceptor: it times every call and records it as the
// destination sidecar would.
func (p *podServer) observe(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	start := time.Now()
	resp, err := handler(ctx, req)
	md, _ := metadata.FromIncomingContext(ctx)
	p.rec.Observe(meshmetrics.Call{
		SourceWorkload:  firstValue(md, sourceWorkloadKey),
		SourceNamespace: firstValue(md, sourceNamespaceKey),
		Authority:       firstValue(md, ":authority"),
		Code:            status.Code(err),
	}, time.Since(start))
	return resp, err
}

func (p *podServer) handleFault(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var cur faultSetting
	switch r.Method {
	case http.MethodGet:
		if len(r.Form) > 0 {
			http.Error(w, "GET /fault only shows the setting; POST it to change it", http.StatusMethodNotAllowed)
			return
		}
		cur = p.fault.get()
	case http.MethodPost:
		var err error
		if cur, err = p.fault.update(r.Form); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		log.Printf("fault set: error-rate=%g delay-ms=%d", cur.ErrorRate, cur.DelayMs)
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "GET or POST", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(cur)
}

// checkListenAddr refuses wildcard hosts: every server here must bind a
// loopback or pod address, never all interfaces.
func checkListenAddr(a string) error {
	host, _, err := net.SplitHostPort(a)
	if err != nil {
		return fmt.Errorf("listen address %q: %v", a, err)
	}
	ip := net.ParseIP(host)
	if host == "" || (ip != nil && ip.IsUnspecified()) {
		return fmt.Errorf("listen address %q: name the IP to bind; wildcard addresses are not allowed", a)
	}
	return nil
}

// started tells a caller (tests) the bound addresses.
type started func(grpcAddrs []net.Addr, metricsAddr net.Addr)

func run(ctx context.Context, cfg config, onStart started) error {
	var listeners []net.Listener
	closeAll := func() {
		for _, l := range listeners {
			l.Close()
		}
	}
	for _, a := range append(append([]string{}, cfg.grpcAddrs...), cfg.metricsAddr) {
		if err := checkListenAddr(a); err != nil {
			closeAll()
			return err
		}
		l, err := net.Listen("tcp", a)
		if err != nil {
			closeAll()
			return err
		}
		listeners = append(listeners, l)
	}
	grpcLis, metricsLis := listeners[:len(listeners)-1], listeners[len(listeners)-1]

	reg := prometheus.NewRegistry()
	rec, err := meshmetrics.NewRecorder(reg, cfg.dest)
	if err != nil {
		closeAll()
		return err
	}
	p := &podServer{cfg: cfg, fault: &faultSwitch{cur: cfg.fault}, rec: rec}

	gs := grpc.NewServer(grpc.UnaryInterceptor(p.observe))
	testpb.RegisterTestServiceServer(gs, p)
	hs := health.NewServer()
	healthpb.RegisterHealthServer(gs, hs)
	reflection.Register(gs)

	mux := http.NewServeMux()
	metrics := promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	mux.Handle("GET /stats/prometheus", metrics)
	mux.Handle("GET /metrics", metrics)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("/fault", p.handleFault)
	hsrv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}

	errc := make(chan error, len(listeners))
	for _, l := range grpcLis {
		go func() { errc <- gs.Serve(l) }()
	}
	go func() { errc <- hsrv.Serve(metricsLis) }()

	var addrs []string
	var grpcAddrs []net.Addr
	for _, l := range grpcLis {
		addrs = append(addrs, l.Addr().String())
		grpcAddrs = append(grpcAddrs, l.Addr())
	}
	log.Printf("pod-server %s/%s version=%s grpc=%s metrics=%s (error-rate=%g delay-ms=%d latency=%v)",
		cfg.dest.Namespace, cfg.pod, cfg.dest.Version, strings.Join(addrs, ","), metricsLis.Addr(),
		cfg.fault.ErrorRate, cfg.fault.DelayMs, cfg.latency)
	if onStart != nil {
		onStart(grpcAddrs, metricsLis.Addr())
	}

	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
	}
	hs.Shutdown()
	// Graceful stop waits for open streams (a health Watch never ends), so
	// it gets a short grace period before the hard stop.
	stopped := make(chan struct{})
	go func() { gs.GracefulStop(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(2 * time.Second):
		gs.Stop()
	}
	sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = hsrv.Shutdown(sctx)
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) && !errors.Is(serveErr, grpc.ErrServerStopped) {
		return serveErr
	}
	return nil
}

func main() {
	log.SetFlags(log.LstdFlags | log.Lmicroseconds)
	var cfg config
	grpcAddrs := flag.String("grpc-addr", "", "gRPC listen addresses ip:port[,ip:port…] (IPv6 in brackets)")
	flag.StringVar(&cfg.metricsAddr, "metrics-addr", "", "HTTP listen address for /stats/prometheus, /healthz and /fault")
	flag.StringVar(&cfg.pod, "pod", "", "pod name (answered as hostname)")
	flag.StringVar(&cfg.dest.Namespace, "namespace", "", "pod namespace")
	flag.StringVar(&cfg.dest.Workload, "workload", "", "owning Deployment or Rollout")
	flag.StringVar(&cfg.dest.App, "app", "", "app label")
	flag.StringVar(&cfg.dest.Version, "version", "unknown", "version label (answered as server_id)")
	errorRate := flag.String("error-rate", "0", "initial share of calls failing with Unavailable, 0..1")
	delayMs := flag.String("delay-ms", "0", "initial extra delay of every call, ms")
	latencyMs := flag.Float64("latency-ms", 2, "base service time, ms (jittered)")
	flag.Parse()
	if flag.NArg() > 0 {
		log.Fatalf("unexpected arguments %q", flag.Args())
	}
	if *grpcAddrs == "" || cfg.metricsAddr == "" {
		log.Fatal("-grpc-addr and -metrics-addr are required")
	}
	cfg.grpcAddrs = strings.Split(*grpcAddrs, ",")
	if cfg.dest.Version == "" {
		cfg.dest.Version = "unknown"
	}
	if *latencyMs < 0 || math.IsNaN(*latencyMs) {
		log.Fatal("-latency-ms must be >= 0")
	}
	cfg.latency = time.Duration(*latencyMs * float64(time.Millisecond))
	var err error
	if cfg.fault, err = applyFaultParams(faultSetting{}, url.Values{"error-rate": {*errorRate}, "delay-ms": {*delayMs}}); err != nil {
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := run(ctx, cfg, nil); err != nil {
		log.Fatal(err)
	}
}
