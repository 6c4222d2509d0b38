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

// traffic is the load generator of the data plane: a gRPC client that
// resolves its targets through istiod with gRPC's proxyless xDS support, so
// every call is routed by the VirtualService and DestinationRule in the
// cluster, and that counts which version answered.
//
// One-shot:  traffic -target xds:///reviews.demo.svc.cluster.local:9080 -n 200
//
//	prints one JSON object with the counts and exits.
//
// Serve:     traffic -serve 127.0.0.1:0 -targets T1,T2 -rate 20
//
//	calls each target at a steady rate until SIGTERM and answers
//	/window and /timeline queries about the calls of the last minutes.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	testpb "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	_ "google.golang.org/grpc/xds" // registers the xds:/// resolver and its balancers

	"istio-rollouts/test/dataplane/internal/callwindow"
	"istio-rollouts/test/dataplane/internal/usermix"
)

const (
	bootstrapEnv     = "GRPC_XDS_BOOTSTRAP"
	defaultMix       = "jason:10,cookie:5,anonymous:85"
	headerOnlyMix    = "anonymous:100"
	firstAnswerRetry = 50 * time.Millisecond
)

// caller makes the logical calls to one target, retrying like Istio's default
// VirtualService retry policy (2 retries; here on Unavailable, which is how
// gRPC surfaces a refused or reset connection and a 503).
type caller struct {
	client      testpb.TestServiceClient
	fixedMD     []string // source identity and -header pairs
	callTimeout time.Duration
	maxRetries  int
	backoff     time.Duration
	unknownLog  atomic.Int32
}

// retryCause names why an Unavailable call was retried, in a few stable
// words that can be counted.
func retryCause(err error) string {
	msg := status.Convert(err).Message()
	switch {
	case strings.Contains(msg, "unknown cluster selected"):
		// The route moved to a subset the client had no cluster for yet
		// (istiod leaves weight-0 subsets out of the route).
		return "unknown cluster"
	case strings.Contains(msg, "injected fault"):
		return "injected fault"
	case strings.Contains(msg, "to pick from"), strings.Contains(msg, "zero addresses"), strings.Contains(msg, "no healthy"):
		return "no endpoints"
	case strings.Contains(msg, "connection refused"), strings.Contains(msg, "connection error"), strings.Contains(msg, "connection reset"):
		return "connect failure"
	default:
		return "other"
	}
}

func (c *caller) attempt(ctx context.Context, md []string) (string, error) {
	actx, cancel := context.WithTimeout(metadata.AppendToOutgoingContext(ctx, md...), c.callTimeout)
	defer cancel()
	resp, err := c.client.UnaryCall(actx, &testpb.SimpleRequest{})
	if err != nil {
		return "", err
	}
	if v := resp.GetServerId(); v != "" {
		return v, nil
	}
	return "unknown", nil
}

// do makes one logical call as a user of class cl.
func (c *caller) do(ctx context.Context, cl usermix.Class) callwindow.Result {
	md := append(append([]string{}, c.fixedMD...), cl.Metadata...)
	start := time.Now()
	var res callwindow.Result
	for try := 0; ; try++ {
		v, err := c.attempt(ctx, md)
		if err == nil {
			res.Version = v
			break
		}
		code := status.Code(err)
		if code != codes.Unavailable || try == c.maxRetries || ctx.Err() != nil {
			res.Err = code.String()
			break
		}
		cause := retryCause(err)
		if cause == "other" && c.unknownLog.Add(1) <= 20 {
			log.Printf("retrying Unavailable: %v", err)
		}
		res.Retries++
		res.RetryCauses = append(res.RetryCauses, cause)
		select {
		case <-time.After(c.backoff * time.Duration(1<<try)):
		case <-ctx.Done():
		}
	}
	res.LatencyMs = roundMs(time.Since(start))
	return res
}

func roundMs(d time.Duration) float64 {
	return math.Round(float64(d)/float64(time.Millisecond)*1000) / 1000
}

// waitFirstAnswer calls until one call succeeds or the timeout passes. Its
// calls wait for the channel to be ready (LDS, RDS, CDS and EDS answered);
// later calls do not, so that a broken route shows up as errors at once, as
// an Envoy sidecar's 503 would.
func (c *caller) waitFirstAnswer(ctx context.Context, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	ctx = metadata.AppendToOutgoingContext(ctx, c.fixedMD...)
	for {
		_, err := c.client.UnaryCall(ctx, &testpb.SimpleRequest{}, grpc.WaitForReady(true))
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%v; %s", err, c.whyNotReady())
		case <-time.After(firstAnswerRetry):
		}
	}
}

// whyNotReady makes one call that does not wait for the channel, because a
// waiting call that times out only says "deadline exceeded", while a
// fail-fast call carries the resolver's or balancer's last error.
func (c *caller) whyNotReady() string {
	ctx, cancel := context.WithTimeout(metadata.AppendToOutgoingContext(context.Background(), c.fixedMD...), time.Second)
	defer cancel()
	if _, err := c.client.UnaryCall(ctx, &testpb.SimpleRequest{}); err != nil {
		return "a fail-fast call says: " + err.Error()
	}
	return "a fail-fast call just succeeded"
}

type options struct {
	bootstrap       string
	target          string
	targets         []string
	n               int
	concurrency     int
	timeout         time.Duration
	callTimeout     time.Duration
	retries         int
	mix             string
	fixedMD         []string
	serve           string
	rate            float64
	retention       time.Duration
	sourceWorkload  string
	sourceNamespace string
}

func dial(target string, o options) (*grpc.ClientConn, *caller, error) {
	conn, err := grpc.NewClient(target, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, nil, err
	}
	md := []string{"x-source-workload", o.sourceWorkload, "x-source-namespace", o.sourceNamespace}
	return conn, &caller{
		client:      testpb.NewTestServiceClient(conn),
		fixedMD:     append(md, o.fixedMD...),
		callTimeout: o.callTimeout,
		maxRetries:  o.retries,
		backoff:     25 * time.Millisecond,
	}, nil
}

// oneShotReport is the JSON a one-shot run prints.
type oneShotReport struct {
	Target string `json:"target"`
	callwindow.Summary
	FirstAnswerMs float64 `json:"firstAnswerMs"`
}

func runOneShot(ctx context.Context, o options) (*oneShotReport, error) {
	mix, err := usermix.Parse(o.mix)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	conn, c, err := dial(o.target, o)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if err := c.waitFirstAnswer(ctx, o.timeout); err != nil {
		return nil, fmt.Errorf("no answer from %s within %v: %v", o.target, o.timeout, err)
	}
	first := time.Since(start)

	recs := make([]callwindow.Record, o.n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range o.concurrency {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(o.n) || ctx.Err() != nil {
					return
				}
				cl := mix.Next()
				startMs := time.Now().UnixMilli()
				recs[i] = callwindow.Record{StartMs: startMs, User: cl.Name, Done: true, Result: c.do(ctx, cl)}
			}
		})
	}
	wg.Wait()
	if ctx.Err() != nil {
		return nil, fmt.Errorf("interrupted")
	}
	return &oneShotReport{Target: o.target, Summary: callwindow.Summarize(recs), FirstAnswerMs: roundMs(first)}, nil
}

// ensureBootstrap makes gRPC read the -bootstrap file. gRPC reads
// GRPC_XDS_BOOTSTRAP once, when its packages initialise, which is before
// flags are parsed, so the program re-executes itself with the variable set.
func ensureBootstrap(o options, needXDS bool) error {
	if o.bootstrap == "" {
		if needXDS && os.Getenv(bootstrapEnv) == "" {
			return fmt.Errorf("xds:/// targets need -bootstrap FILE or %s", bootstrapEnv)
		}
		return nil
	}
	abs, err := filepath.Abs(o.bootstrap)
	if err != nil {
		return err
	}
	if _, err := os.Stat(abs); err != nil {
		return fmt.Errorf("-bootstrap: %v", err)
	}
	if os.Getenv(bootstrapEnv) == abs {
		return nil
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	os.Setenv(bootstrapEnv, abs)
	return syscall.Exec(exe, os.Args, os.Environ())
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("traffic", flag.ContinueOnError)
	fs.StringVar(&o.bootstrap, "bootstrap", "", "gRPC xDS bootstrap file (default: $"+bootstrapEnv+")")
	fs.StringVar(&o.target, "target", "", "one-shot: the xds:///host:port target")
	targets := fs.String("targets", "", "serve: comma-separated xds:///host:port targets")
	fs.IntVar(&o.n, "n", 0, "one-shot: number of calls")
	fs.IntVar(&o.concurrency, "concurrency", 4, "one-shot: calls in flight at once")
	fs.DurationVar(&o.timeout, "timeout", 20*time.Second, "one-shot: how long to wait for the first answer")
	fs.DurationVar(&o.callTimeout, "call-timeout", 5*time.Second, "deadline of each attempt")
	fs.IntVar(&o.retries, "retries", 2, "retries of a call that failed with Unavailable")
	mix := fs.String("mix", "", "user classes as name:percent,… (default "+defaultMix+", or "+headerOnlyMix+" with -header)")
	header := fs.String("header", "", "metadata k=v[,k=v] added to every call")
	fs.StringVar(&o.serve, "serve", "", "serve: HTTP listen address, e.g. 127.0.0.1:0")
	fs.Float64Var(&o.rate, "rate", 20, "serve: calls per second per target")
	fs.DurationVar(&o.retention, "retention", 10*time.Minute, "serve: how far back /window can look")
	fs.StringVar(&o.sourceWorkload, "source-workload", "traffic-generator", "sent as x-source-workload")
	fs.StringVar(&o.sourceNamespace, "source-namespace", "demo", "sent as x-source-namespace")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	var err error
	if o.fixedMD, err = usermix.ParseHeaders(*header); err != nil {
		return o, err
	}
	o.mix = *mix
	if o.mix == "" {
		o.mix = defaultMix
		if len(o.fixedMD) > 0 {
			o.mix = headerOnlyMix
		}
	}
	m, err := usermix.Parse(o.mix)
	if err != nil {
		return o, err
	}
	// A key sent both by -header and by a user class would reach the route
	// as two values ("jason,bob"), which no exact match accepts.
	for i := 0; i < len(o.fixedMD); i += 2 {
		for _, cl := range m.Classes() {
			if len(cl.Metadata) > 0 && cl.Metadata[0] == o.fixedMD[i] && cl.Percent > 0 {
				return o, fmt.Errorf("-header sets %q, which user class %q of the mix sends too", o.fixedMD[i], cl.Name)
			}
		}
	}
	o.targets = splitList(*targets)
	if o.callTimeout <= 0 || o.timeout <= 0 || o.retries < 0 {
		return o, fmt.Errorf("-timeout and -call-timeout must be > 0, -retries >= 0")
	}
	if o.serve != "" {
		if len(o.targets) == 0 && o.target != "" {
			o.targets = []string{o.target}
		}
		if len(o.targets) == 0 {
			return o, fmt.Errorf("-serve needs -targets")
		}
		if !(o.rate > 0) || math.IsInf(o.rate, 0) {
			return o, fmt.Errorf("-rate must be > 0")
		}
		if o.retention <= 0 {
			return o, fmt.Errorf("-retention must be > 0")
		}
		return o, nil
	}
	if o.target == "" || o.n <= 0 {
		return o, fmt.Errorf("give -target and -n N > 0 (one-shot), or -serve ADDR -targets T1,… (serve)")
	}
	if o.concurrency <= 0 {
		return o, fmt.Errorf("-concurrency must be > 0")
	}
	return o, nil
}

func main() {
	log.SetFlags(log.LstdFlags | log.Lmicroseconds)
	log.SetPrefix("traffic: ")
	o, err := parseFlags(os.Args[1:])
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		log.Fatal(err)
	}
	needXDS := false
	for _, t := range append([]string{o.target}, o.targets...) {
		needXDS = needXDS || strings.HasPrefix(t, "xds:")
	}
	if err := ensureBootstrap(o, needXDS); err != nil {
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()

	if o.serve != "" {
		if err := runServe(ctx, o, os.Stdout); err != nil {
			log.Fatal(err)
		}
		return
	}
	rep, err := runOneShot(ctx, o)
	if err != nil {
		log.Fatal(err)
	}
	if err := json.NewEncoder(os.Stdout).Encode(rep); err != nil {
		log.Fatal(err)
	}
}
