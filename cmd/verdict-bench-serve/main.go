// Command verdict-bench-serve measures what serving sessions cost per
// request (`make bench-serve`), each figure against a baseline measured in
// the same run:
//
//  1. the provider agent's session endpoint (agent.Server: the voucher
//     checked, the model run, the receipt signed and synced to disk before
//     the answer) through loopback HTTP, driven by the buyer's client
//     (agent.SessionClient: the voucher signed, the answer's receipt
//     checked) against the same HTTP server answering the same model
//     without vouchers or receipts (the tensor read, the model run, the
//     tensor written): requests per second and p50/p99 latency, the two
//     variants alternating round by round so neither gets a quieter
//     machine;
//  2. on-chain gas per request: one checkpoint of max_items requests
//     through the app's message router and its ante costs (the signature
//     check and the transaction's bytes at the auth params' prices), over
//     its requests.
//
// Client and server share this machine's cores, so the buyer's signing
// and checking count against the throughput, as they would not on two
// machines. The provider writes each receipt before its answer leaves and
// syncs a reservation every 4,096 requests of a session (agent/serving.go:
// what a machine crash could lose is bounded, never answered twice).
package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/verdict-chain/verdict/agent"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	"github.com/verdict-chain/verdict/zkml"
)

// Targets (issue "Inference serving").
const (
	minThroughputRatio = 0.8
	maxAddedP99        = time.Millisecond
	maxGasPerRequest   = 1.0
	// agentCheckpoint: the provider agent's --checkpoint-every default
	agentCheckpoint = 200_000
)

func main() {
	circuit := flag.String("circuit", "cnn-1x32x32-6k5-16k5-120-84-10", "the model's circuit id (an MLP mlp2-<shape> or a CNN cnn-<arch>)")
	clients := flag.Int("clients", 4, "concurrent buyers (one session each), sending one request at a time")
	requests := flag.Int("requests", 2000, "requests per buyer per round and variant")
	rounds := flag.Int("rounds", 3, "rounds; each runs both variants")
	flag.Parse()
	if err := run(*circuit, *clients, *requests, *rounds); err != nil {
		fmt.Fprintln(os.Stderr, "verdict-bench-serve:", err)
		os.Exit(1)
	}
}

type result struct {
	rps      float64
	p50, p99 time.Duration
}

func run(circuit string, clients, requests, rounds int) error {
	m, _, _, err := zkml.ExampleForID(circuit, "bench-serve")
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "verdict-bench-serve-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	store, err := agent.OpenStore(dir)
	if err != nil {
		return err
	}
	defer func() { _ = store.Close() }()
	provKey := key("provider")
	srv, err := agent.NewServer(provKey, store, agent.NewMetrics("bench"))
	if err != nil {
		return err
	}
	sessions := make([]jobstypes.Session, clients)
	for i := range sessions {
		s := jobstypes.Session{
			Id: uint64(i) + 1, ChainId: "verdict-bench-1", CircuitId: circuit, MaxRequests: uint64(requests * rounds),
			BuyerKey: key("buyer " + strconv.Itoa(i)).Public().(ed25519.PublicKey), ProviderKey: provKey.Public().(ed25519.PublicKey),
			Status: jobstypes.SessionStatus_SESSION_STATUS_OPEN,
		}
		if _, err := srv.Add(&agent.ServedSession{Session: s, Model: m, Until: time.Now().Add(24 * time.Hour)}); err != nil {
			return err
		}
		sessions[i] = s
	}
	mux := http.NewServeMux()
	srv.Routes(mux)
	mux.HandleFunc("POST /plain/infer", plain(m))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	defer func() { _ = hs.Close() }()
	base := "http://" + ln.Addr().String()
	transport := &http.Transport{MaxIdleConnsPerHost: clients}
	httpc := &http.Client{Transport: transport, Timeout: 30 * time.Second}

	buyers := make([]*agent.SessionClient, clients)
	for i, s := range sessions {
		c, err := agent.NewSessionClient(s, base, key("buyer "+strconv.Itoa(i)), 0)
		if err != nil {
			return err
		}
		c.HTTP = httpc
		buyers[i] = c
	}
	inputs := make([][]int8, 64)
	for i := range inputs {
		inputs[i] = zkml.ExampleInput(inputLen(m), "bench-serve-"+strconv.Itoa(i))
	}
	fmt.Printf("serving benchmark: model %s, %d buyers one request at a time each, %d requests per buyer per round, %d rounds, loopback HTTP\n\n",
		circuit, clients, requests, rounds)
	var plainRes, sessRes []result
	for r := range rounds {
		p, err := drive(clients, requests, func(ctx context.Context, b, i int) error {
			return postPlain(ctx, httpc, base, inputs[(b+i)%len(inputs)])
		})
		if err != nil {
			return fmt.Errorf("plain: %w", err)
		}
		s, err := drive(clients, requests, func(ctx context.Context, b, i int) error {
			_, _, err := buyers[b].Infer(ctx, inputs[(b+i)%len(inputs)])
			return err
		})
		if err != nil {
			return fmt.Errorf("session: %w", err)
		}
		fmt.Printf("round %d: plain %.0f req/s p50 %s p99 %s | session %.0f req/s p50 %s p99 %s\n", r+1, p.rps, p.p50, p.p99, s.rps, s.p50, s.p99)
		plainRes, sessRes = append(plainRes, p), append(sessRes, s)
	}
	p, s := medianOf(plainRes), medianOf(sessRes)
	ratio := s.rps / p.rps
	added := s.p99 - p.p99
	fmt.Println()
	fmt.Println("| endpoint | requests/s | p50 | p99 |")
	fmt.Println("|---|---|---|---|")
	fmt.Printf("| without vouchers or receipts (baseline) | %.0f | %s | %s |\n", p.rps, p.p50.Round(time.Microsecond), p.p99.Round(time.Microsecond))
	fmt.Printf("| session: voucher signed and checked, receipt signed, kept and checked | %.0f | %s | %s |\n", s.rps, s.p50.Round(time.Microsecond), s.p99.Round(time.Microsecond))
	fmt.Printf("\nthroughput ratio session / baseline: %.2f (goal ≥ %.1f: %s)\n", ratio, minThroughputRatio, verdict(ratio >= minThroughputRatio))
	fmt.Printf("added p99 latency: %s (goal ≤ %s: %s)\n", added.Round(time.Microsecond), maxAddedP99, verdict(added <= maxAddedP99))
	g, n, err := checkpointGas()
	if err != nil {
		return fmt.Errorf("checkpoint gas: %w", err)
	}
	// a checkpoint's gas does not grow with its requests: per request it is
	// that over the agent's default size, and over the chain's most
	perRequest := float64(g) / agentCheckpoint
	fmt.Printf("on-chain gas: a checkpoint costs %d gas whatever its size; per request %.3f at the provider agent's default of %d requests (goal ≤ %.0f: %s), %.3f at max_items (%d)\n",
		g, perRequest, agentCheckpoint, maxGasPerRequest, verdict(perRequest <= maxGasPerRequest), float64(g)/float64(n), n)
	return nil
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT MET"
}

func key(seed string) ed25519.PrivateKey {
	s := sha256.Sum256([]byte("verdict-bench-serve/" + seed))
	return ed25519.NewKeyFromSeed(s[:])
}

func inputLen(m *zkml.Model) int {
	if m.Arch != nil {
		return m.Arch.InputLen()
	}
	return m.Layers[0].In
}

// plain answers the model without vouchers or receipts: the session
// endpoint's work minus the protocol's.
func plain(m *zkml.Model) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		bz, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		in, err := zkml.UnmarshalTensor(bz)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		out, err := zkml.Infer(m, in)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		res, err := zkml.MarshalTensor(out)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		_, _ = w.Write(res)
	}
}

func postPlain(ctx context.Context, c *http.Client, base string, in []int8) error {
	body, err := zkml.MarshalTensor(in)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/plain/infer", bytes.NewReader(body))
	if err != nil {
		return err
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	bz, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return errors.New(resp.Status)
	}
	_, err = zkml.UnmarshalTensor(bz)
	return err
}

// drive runs clients buyers, each sending requests one at a time, and
// returns the throughput and latency percentiles.
func drive(clients, requests int, send func(ctx context.Context, buyer, i int) error) (result, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	lat := make([][]time.Duration, clients)
	errs := make([]error, clients)
	var wg sync.WaitGroup
	start := time.Now()
	for b := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat[b] = make([]time.Duration, 0, requests)
			for i := range requests {
				t := time.Now()
				if err := send(ctx, b, i); err != nil {
					errs[b] = err
					return
				}
				lat[b] = append(lat[b], time.Since(t))
			}
		}()
	}
	wg.Wait()
	took := time.Since(start)
	if err := errors.Join(errs...); err != nil {
		return result{}, err
	}
	all := slices.Concat(lat...)
	slices.Sort(all)
	return result{rps: float64(len(all)) / took.Seconds(), p50: all[len(all)/2], p99: all[len(all)*99/100]}, nil
}

func medianOf(rs []result) result {
	by := func(f func(result) float64) float64 {
		xs := make([]float64, len(rs))
		for i, r := range rs {
			xs[i] = f(r)
		}
		slices.Sort(xs)
		return xs[len(xs)/2]
	}
	return result{
		rps: by(func(r result) float64 { return r.rps }),
		p50: time.Duration(by(func(r result) float64 { return float64(r.p50) })),
		p99: time.Duration(by(func(r result) float64 { return float64(r.p99) })),
	}
}
