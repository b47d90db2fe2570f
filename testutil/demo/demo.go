// Package demo is Verdict's main job as typed scenes: each scene drives a
// running chain through the verdictd CLI (testutil/cli), prints every
// command and every balance it checks, and computes the money it expects
// with the modules' own functions (x/jobs types.Fee, x/dispute FraudSlash,
// x/forwards SettleFaults, ...), never with a formula of its own.
//
// Scenes of one lane share accounts and run one after another; lanes run
// concurrently, so one scene's wait (a challenge window, a forward delivery
// window, a vote) overlaps another's work. An exclusive scene changes
// chain-wide parameters and runs alone, after the lanes. The story is
// printed in scene order whatever the order of execution.
//
// cmd/verdict-demo runs the scenes (`make demo`, `make demo SCENE=...`);
// the end-to-end and network tests run them in-process.
package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"cosmossdk.io/math"

	"github.com/verdict-chain/verdict/testutil/cli"
)

// Denom is the chain's staking and fee denom.
const Denom = "uverd"

// Config is what the scenes need to know about the chain they drive.
type Config struct {
	Chain *cli.Chain
	// Bin is the verdictd binary (the zk tools and the agents).
	Bin string
	// TEESim is build/verdict-teesim; TEEDir the simulated guest's keys
	// (the localnet's <home>/tee).
	TEESim, TEEDir string
	// ZKDir holds the circuits' proving keys.
	ZKDir string
	// Work is where scenes write their files.
	Work string
	// ZKShape is the reference MLP's shape, CNNArch the CNN's; SLAShape is
	// the small MLP of the SLA and TEE scenes (a circuit no other scene's
	// provider registers, so their scheduling is theirs alone).
	ZKShape, CNNArch, SLAShape string
	// AgentPorts: loopback ports for the agents (at least 11).
	AgentPorts []int
	// Out receives the story.
	Out io.Writer
}

// Circuit ids the localnet registers (scripts/genesis-lib.sh).
func (c *Config) circuitV2() string  { return "mlp2-" + c.ZKShape }
func (c *Config) circuitV1() string  { return "mlp-" + c.ZKShape }
func (c *Config) circuitCNN() string { return "cnn3-" + c.CNNArch } // version 3
func (c *Config) circuitSLA() string { return "mlp2-" + c.SLAShape }

// Scene is one story the demo tells.
type Scene struct {
	Name  string
	Lane  string
	Title string
	// Exclusive: runs alone after every lane (it changes chain-wide
	// parameters other scenes' checks depend on).
	Exclusive bool
	Run       func(s *S)
}

// Scenes in story order.
func Scenes() []Scene {
	return []Scene{
		{Name: "lifecycle", Lane: "market", Title: "register, submit, post, the challenge window, FINALIZED, exact money", Run: lifecycle},
		{Name: "disputes", Lane: "market", Title: "disputes A, B, C settled by Groth16 proofs of the reference MLP", Run: disputes},
		{Name: "sla", Lane: "sla", Title: "reputation-weighted scheduling and graded SLA slashing", Run: slaScene},
		{Name: "tee", Lane: "sla", Title: "SEV-SNP attestation, the shorter window, governance revocation", Run: teeScene},
		{Name: "forwards", Lane: "forwards", Title: "a delivery window sold forward, delivered in part, the rest refunded with the penalty", Run: forwardsScene},
		{Name: "cnn", Lane: "cnn", Title: "dispute D: a LeNet-5 job (circuit version 3) settled by its proof", Run: cnnScene},
		{Name: "agents", Lane: "agents", Title: "provider agents, a watcher and an SLA monitor with no human step", Run: agentsScene},
		// batches follows cnn in its lane: both lanes' proving then never
		// overlaps, and the lane still ends before the forward's window
		{Name: "batches", Lane: "cnn", Title: "a batch job of 10,000 inferences finalized; a batch with wrong items caught by a watcher's sample and proven", Run: batchesScene},
		{Name: "serving", Lane: "serving", Title: "a serving session of 10,000 requests paid in two checkpoints; a wrong answer caught by its receipt and proven, an equivocating checkpoint slashed, a claim beyond the vouchers refused", Run: servingScene},
		{Name: "audit", Exclusive: true, Title: "governance turns audits on; an agent answers an audit with its proof", Run: auditScene},
		{Name: "accounts", Exclusive: true, Title: "every bond and escrow has exactly one owner (closes every run)", Run: accountsScene},
	}
}

// Result is what a run did.
type Result struct {
	// IDs: what each scene recorded ("lifecycle.job" -> 1, ...).
	IDs map[string]uint64
	// Elapsed per scene.
	Elapsed map[string]time.Duration
}

// Run runs the named scenes (all when names is empty): their lanes
// concurrently, then the exclusive ones one by one.
func Run(ctx context.Context, cfg Config, names []string) (*Result, error) {
	all := Scenes()
	var run []Scene
	for _, sc := range all {
		if len(names) == 0 || slices.Contains(names, sc.Name) || sc.Name == "accounts" {
			run = append(run, sc)
		}
	}
	for _, n := range names {
		if !slices.ContainsFunc(all, func(sc Scene) bool { return sc.Name == n }) {
			return nil, fmt.Errorf("no scene %q (scenes: %s)", n, sceneNames(all))
		}
	}
	if err := os.MkdirAll(cfg.Work, 0o755); err != nil {
		return nil, err
	}
	st := &story{out: cfg.Out, bufs: make([]*bytes.Buffer, len(run)), done: make([]bool, len(run))}
	for i := range st.bufs {
		st.bufs[i] = &bytes.Buffer{}
	}
	res := &Result{IDs: map[string]uint64{}, Elapsed: map[string]time.Duration{}}
	var mu sync.Mutex
	scenes := make([]*S, len(run))
	for i, sc := range run {
		scenes[i] = &S{ctx: ctx, cfg: &cfg, c: cfg.Chain, scene: sc, idx: i, st: st, res: res, resMu: &mu, poolTotal: math.ZeroInt()}
	}

	var lanes []string
	for _, sc := range run {
		if !sc.Exclusive && !slices.Contains(lanes, sc.Lane) {
			lanes = append(lanes, sc.Lane)
		}
	}
	concurrent := len(lanes) > 1
	pool0, err := cfg.Chain.CommunityPool(ctx, Denom)
	if err != nil {
		return nil, err
	}
	var wg sync.WaitGroup
	for _, lane := range lanes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, s := range scenes {
				if s.scene.Exclusive || s.scene.Lane != lane {
					continue
				}
				s.deferPool = concurrent
				if !s.run() {
					for _, o := range scenes { // the rest of the lane depends on this one
						if !o.scene.Exclusive && o.scene.Lane == lane && o.idx > s.idx && !o.ran {
							o.skip(fmt.Sprintf("skipped: scene %s of its lane failed", s.scene.Name))
						}
					}
					return
				}
			}
		}()
	}
	wg.Wait()
	var errs []error
	for _, s := range scenes {
		if s.err != nil {
			errs = append(errs, fmt.Errorf("scene %s: %w", s.scene.Name, s.err))
		}
	}
	if concurrent && len(errs) == 0 {
		// Scenes that ran side by side checked their own accounts exactly;
		// the community pool they share is checked here, against the sum
		// of what each scene expected it to receive.
		pool1, err := cfg.Chain.CommunityPool(ctx, Denom)
		if err != nil {
			return res, err
		}
		want := math.ZeroInt()
		var parts []string
		for _, s := range scenes {
			if !s.scene.Exclusive {
				want = want.Add(s.poolTotal)
				parts = append(parts, fmt.Sprintf("%s %s", s.scene.Name, s.poolTotal))
			}
		}
		got := pool1.Sub(pool0)
		say := func(format string, args ...any) { _, _ = fmt.Fprintf(cfg.Out, format, args...) }
		say("\n\033[1m== The community pool over the concurrent scenes\033[0m\n   what each scene expected: %s\n", strings.Join(parts, ", "))
		if !got.Equal(want) {
			errs = append(errs, fmt.Errorf("community pool change over the concurrent scenes: got %s, want %s", got, want))
			say("   FAILED: community pool change = %s, want %s\n", got, want)
		} else {
			say("   ok: community pool change = %s (their sum)\n", got)
		}
	}
	for _, s := range scenes {
		if !s.scene.Exclusive {
			continue
		}
		if len(errs) > 0 {
			s.skip("skipped: an earlier scene failed")
			continue
		}
		if !s.run() {
			errs = append(errs, fmt.Errorf("scene %s: %w", s.scene.Name, s.err))
		}
	}
	return res, errors.Join(errs...)
}

func sceneNames(all []Scene) string {
	var n []string
	for _, sc := range all {
		n = append(n, sc.Name)
	}
	return strings.Join(n, ", ")
}

// story prints the scenes' output in scene order: the earliest unfinished
// scene writes through, the others are held until their turn.
type story struct {
	mu   sync.Mutex
	out  io.Writer
	bufs []*bytes.Buffer
	done []bool
	cur  int
}

func (st *story) write(i int, p []byte) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if i == st.cur {
		_, _ = st.out.Write(p)
		return
	}
	st.bufs[i].Write(p)
}

func (st *story) finish(i int) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.done[i] = true
	for st.cur < len(st.done) && st.done[st.cur] {
		st.cur++
		if st.cur < len(st.done) {
			_, _ = st.out.Write(st.bufs[st.cur].Bytes())
			st.bufs[st.cur].Reset()
		}
	}
}

// S is a running scene: its story, its checks and its view of the chain.
type S struct {
	ctx   context.Context
	cfg   *Config
	c     *cli.Chain
	scene Scene
	idx   int
	st    *story
	res   *Result
	resMu *sync.Mutex
	step  int
	ran   bool
	err   error

	// deferPool: other scenes run at the same time, so the community
	// pool's changes are summed and checked after the lanes.
	deferPool bool
	poolTotal math.Int
	cleanups  []func()
}

func (s *S) run() (ok bool) {
	s.ran = true
	start := time.Now()
	s.printf("\n\033[1m=== scene %s: %s\033[0m\n", s.scene.Name, s.scene.Title)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			for i := len(s.cleanups) - 1; i >= 0; i-- {
				s.cleanups[i]()
			}
		}()
		defer func() {
			if r := recover(); r != nil {
				s.err = fmt.Errorf("panic: %v", r)
			}
		}()
		s.scene.Run(s)
	}()
	<-done
	el := time.Since(start).Round(time.Second)
	s.resMu.Lock()
	s.res.Elapsed[s.scene.Name] = el
	s.resMu.Unlock()
	if s.err != nil {
		s.printf("\nSCENE %s FAILED: %v\n", s.scene.Name, s.err)
	} else {
		s.printf("   scene %s passed in %s\n", s.scene.Name, el)
	}
	s.st.finish(s.idx)
	return s.err == nil
}

func (s *S) skip(why string) {
	s.ran = true
	s.err = errors.New(why)
	s.printf("\n=== scene %s %s\n", s.scene.Name, why)
	s.st.finish(s.idx)
}

func (s *S) printf(format string, args ...any) {
	s.st.write(s.idx, fmt.Appendf(nil, format, args...))
}

// Say starts a numbered step of the story.
func (s *S) Say(format string, args ...any) {
	s.step++
	s.printf("\n\033[1m== %s %d. %s\033[0m\n", s.scene.Name, s.step, fmt.Sprintf(format, args...))
}

// Info prints a line of the story.
func (s *S) Info(format string, args ...any) { s.printf("   %s\n", fmt.Sprintf(format, args...)) }

// Show prints v as indented JSON (what the bash demo's jq showed).
func (s *S) Show(v any) {
	bz, err := json.MarshalIndent(v, "   ", "  ")
	if err != nil {
		s.Fatalf("show: %v", err)
	}
	s.printf("   %s\n", bz)
}

// Fatalf fails the scene and ends it (its cleanups run).
func (s *S) Fatalf(format string, args ...any) {
	if s.err == nil {
		s.err = fmt.Errorf(format, args...)
	}
	runtime.Goexit()
}

// Must fails the scene on err.
func (s *S) Must(err error, what string) {
	if err != nil {
		s.Fatalf("%s: %v", what, err)
	}
}

// Cleanup runs f when the scene ends, however it ends.
func (s *S) Cleanup(f func()) { s.cleanups = append(s.cleanups, f) }

// Record keeps an id for the run's result ("<scene>.<key>").
func (s *S) Record(key string, id uint64) {
	s.resMu.Lock()
	defer s.resMu.Unlock()
	s.res.IDs[s.scene.Name+"."+key] = id
}

// Expect checks got == want (as printed) and prints the check.
func (s *S) Expect(what string, got, want any) {
	g, w := fmt.Sprint(got), fmt.Sprint(want)
	if g != w {
		s.printf("   FAILED: %s: got %s, want %s\n", what, g, w)
		s.Fatalf("%s: got %s, want %s", what, g, w)
	}
	s.Info("ok: %s = %s", what, g)
}

// File is a path under the scene's work directory.
func (s *S) File(name string) string { return filepath.Join(s.cfg.Work, name) }

// WaitFor polls cond every interval until it holds, failing the scene
// after within.
func (s *S) WaitFor(what string, within time.Duration, cond func() bool) {
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			s.Fatalf("%s: not after %s", what, within)
		}
		select {
		case <-s.ctx.Done():
			s.Fatalf("%s: %v", what, s.ctx.Err())
		case <-time.After(time.Second):
		}
	}
}

// PoolMark is the community pool at a point of the scene.
type PoolMark struct{ at math.Int }

// Pool marks the community pool now.
func (s *S) Pool() PoolMark {
	p, err := s.c.CommunityPool(s.ctx, Denom)
	s.Must(err, "community pool")
	return PoolMark{p}
}

// ExpectPool checks that the community pool received want since m. When
// other scenes run at the same time the pool is theirs too: the change is
// added to the scene's share and the run checks the sum of the shares.
func (s *S) ExpectPool(m PoolMark, what string, want math.Int) {
	s.poolTotal = s.poolTotal.Add(want)
	if s.deferPool {
		s.Info("community pool change (%s): %s, checked with the other scenes' after the lanes", what, want)
		return
	}
	got := s.Pool().at.Sub(m.at)
	s.Expect("community pool change ("+what+")", got, want)
}

// PoolAlso counts what the pool receives from a step the scene does not
// check on its own (so the run's sum stays exact).
func (s *S) PoolAlso(what string, want math.Int) {
	s.poolTotal = s.poolTotal.Add(want)
	s.Info("the community pool also receives %s (%s)", want, what)
}
