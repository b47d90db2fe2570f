package agent

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	"github.com/verdict-chain/verdict/zkml"
)

// ErrCommitmentMismatch: fetched bytes are not what the job committed to.
var ErrCommitmentMismatch = errors.New("file does not match the on-chain commitment")

// ErrFetchRefused: the URI names something the agent does not fetch (a
// local path while local files are off or outside the file root, a file
// that is not regular, a private address, an unknown scheme).
var ErrFetchRefused = errors.New("fetch refused")

// ErrTooLarge: a file larger than the fetch may read.
var ErrTooLarge = errors.New("file too large")

// FetchConfig bounds what a buyer can make an agent read.
type FetchConfig struct {
	// MaxBytes caps one file held in memory (a model, a tensor).
	MaxBytes int64
	// MaxBatchBytes caps one batch file (.vbat), streamed to disk: memory
	// stays bounded whatever a batch's item count.
	MaxBatchBytes int64
	// Timeout bounds one fetch, end to end, whatever the scheme.
	Timeout time.Duration
	// FileRoot enables file:// URIs, confined to this directory (symlinks
	// resolved, regular files only). Empty: file:// is refused — a buyer
	// must never name a path on the provider's machine.
	FileRoot string
	// AllowPrivate lets http(s) URIs reach loopback, private and
	// link-local addresses (a local test network). Off: the agent cannot be
	// pointed at its own node, its metadata service or its LAN.
	AllowPrivate bool
	// KeysDir holds version 3 circuits' commitment keys (<circuit id>.ck,
	// from `verdictd zk setup`): a version 3 job's model is checked against
	// its commitment with its circuit's key, so without it the job is
	// refused.
	KeysDir string
	// KeyHash returns the sha256 the chain registered for a version 3
	// circuit's commitment key (x/dispute Circuit.commitment_key_hash); a
	// key file that does not hash to it is refused (a tampered key maps the
	// buyer's model to another's commitment). Nil: no check (tests).
	KeyHash func(circuitID string) ([]byte, error)
}

// Fetcher reads job files by URI within the bounds of its FetchConfig:
// file:// (under FileRoot only) and http(s):// (public addresses only,
// unless AllowPrivate). Anything else (ipfs:// without a gateway, ftp://)
// is refused.
type Fetcher struct {
	FetchConfig
	root   string // FileRoot, symlinks resolved
	client *http.Client
	mu     sync.Mutex
	models map[modelKey]verifiedModel // (sha256 of the file, scheme) -> parsed, committed
	cached int64                      // weight bytes in models
	sizesM sync.Mutex
	sizes  map[string]fileSizes // circuit id -> the exact file sizes it takes
	cksM   sync.Mutex
	cks    map[string]*zkml.CommitmentKey // circuit id -> its commitment key (version 3)
}

type verifiedModel struct {
	model      *zkml.Model
	commitment [zkml.CommitmentLen]byte
}

// The cache of parsed, verified models: at most maxCachedModels entries and
// maxCachedWeights weight bytes (a model whose commitment did not match is
// never cached).
const (
	maxCachedModels  = 64
	maxCachedWeights = 256 << 20
)

// NewFetcher returns a fetcher with the given bounds.
func NewFetcher(cfg FetchConfig) (*Fetcher, error) {
	f := &Fetcher{FetchConfig: cfg, models: map[modelKey]verifiedModel{}, sizes: map[string]fileSizes{}, cks: map[string]*zkml.CommitmentKey{}}
	if cfg.MaxBytes <= 0 || cfg.Timeout <= 0 {
		return nil, errors.New("fetcher: the size cap and the timeout must be positive")
	}
	if cfg.MaxBatchBytes <= 0 {
		cfg.MaxBatchBytes = cfg.MaxBytes
		f.MaxBatchBytes = cfg.MaxBytes
	}
	if cfg.FileRoot != "" {
		abs, err := filepath.Abs(cfg.FileRoot)
		if err == nil {
			abs, err = filepath.EvalSymlinks(abs)
		}
		if err != nil {
			return nil, fmt.Errorf("file root %q: %w", cfg.FileRoot, err)
		}
		f.root = abs
	}
	dialer := &net.Dialer{Timeout: cfg.Timeout}
	if !cfg.AllowPrivate {
		dialer.Control = refusePrivate
	}
	f.client = &http.Client{
		Timeout: cfg.Timeout,
		Transport: &http.Transport{
			DialContext: dialer.DialContext, TLSHandshakeTimeout: cfg.Timeout, ResponseHeaderTimeout: cfg.Timeout,
			MaxIdleConns: 32, MaxIdleConnsPerHost: 4, IdleConnTimeout: 30 * time.Second,
		},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 3 {
				return errors.New("more than 3 redirects")
			}
			if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
				return fmt.Errorf("%w: redirect to %s", ErrFetchRefused, req.URL.Scheme)
			}
			return nil
		},
	}
	return f, nil
}

// specialPrefixes are the non-public ranges netip has no predicate for.
var specialPrefixes = []netip.Prefix{
	netip.MustParsePrefix("100.64.0.0/10"), // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),  // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"), // benchmarking
	netip.MustParsePrefix("64:ff9b::/96"),  // NAT64: an IPv4 address behind DNS64, private ones included
	netip.MustParsePrefix("64:ff9b:1::/48"),
}

// refusePrivate is the dialer's check, made on the address actually dialled
// (after DNS, on every redirect): a name that resolves to a private address
// is refused as the address itself would be.
func refusePrivate(_, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("%w: address %q", ErrFetchRefused, host)
	}
	ip = ip.Unmap()
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip.IsUnspecified() || ip.IsMulticast() ||
		slices.ContainsFunc(specialPrefixes, func(p netip.Prefix) bool { return p.Contains(ip) }) {
		return fmt.Errorf("%w: %s is a private address (--fetch-private to allow)", ErrFetchRefused, ip)
	}
	return nil
}

// Fetch returns the bytes at uri, within the fetcher's size and time
// bounds.
func (f *Fetcher) Fetch(ctx context.Context, uri string) ([]byte, error) {
	return f.fetch(ctx, uri, f.MaxBytes)
}

// fetch reads at most limit bytes (never more than MaxBytes).
func (f *Fetcher) fetch(ctx context.Context, uri string, limit int64) ([]byte, error) {
	limit = min(limit, f.MaxBytes)
	var buf bytes.Buffer
	if err := f.stream(ctx, uri, limit, &buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// FetchFile writes the file at uri to path: at most limit bytes (which
// may exceed MaxBytes: a batch file is streamed to disk, never held in
// memory), within the fetch timeout. On error nothing is left at path.
func (f *Fetcher) FetchFile(ctx context.Context, uri string, limit int64, path string) error {
	fh, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600) //nolint:gosec // the agent's own directory
	if err != nil {
		return err
	}
	err = f.stream(ctx, uri, limit, fh)
	if cerr := fh.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(path)
	}
	return err
}

// stream copies at most limit bytes from uri to w, within the fetch
// timeout.
func (f *Fetcher) stream(ctx context.Context, uri string, limit int64, w io.Writer) error {
	u, err := url.Parse(uri)
	if err != nil {
		return fmt.Errorf("uri %q: %w", uri, err)
	}
	ctx, cancel := context.WithTimeout(ctx, f.Timeout)
	defer cancel()
	switch u.Scheme {
	case "file":
		return f.local(ctx, u, limit, w)
	case "http", "https":
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, uri, nil)
		if err != nil {
			return err
		}
		res, err := f.client.Do(req)
		if err != nil {
			return err
		}
		defer func() { _ = res.Body.Close() }()
		if res.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: %s", uri, res.Status)
		}
		if res.ContentLength > limit {
			return fmt.Errorf("%w: %s has %d bytes, the cap is %d", ErrTooLarge, uri, res.ContentLength, limit)
		}
		return copyCapped(uri, w, res.Body, limit)
	case "":
		return fmt.Errorf("%w: job names no file (empty uri)", ErrFetchRefused)
	default:
		return fmt.Errorf("%w: uri %q: scheme %q not supported (file, http, https)", ErrFetchRefused, uri, u.Scheme)
	}
}

func copyCapped(uri string, w io.Writer, r io.Reader, limit int64) error {
	n, err := io.Copy(w, io.LimitReader(r, limit+1))
	if err != nil {
		return fmt.Errorf("read %s: %w", uri, err)
	}
	if n > limit {
		return fmt.Errorf("%w: %s is larger than the %d-byte cap", ErrTooLarge, uri, limit)
	}
	return nil
}

// local reads a file:// URI: only under the file root, only a regular
// file, opened without blocking (a FIFO or a device is refused, never
// waited on), and within the fetch timeout even if the disk hangs.
func (f *Fetcher) local(ctx context.Context, u *url.URL, limit int64, w io.Writer) error {
	if f.root == "" {
		return fmt.Errorf("%w: file:// URIs are off (the agent's --file-root enables them for one directory)", ErrFetchRefused)
	}
	if u.Host != "" && u.Host != "localhost" {
		return fmt.Errorf("%w: file://%s: a remote host", ErrFetchRefused, u.Host)
	}
	// resolving and reading may block on a hung mount: the caller does not
	// wait for it, and what it writes after the deadline goes to a buffer
	// nobody reads
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := f.readLocal(u.Path, limit, pw)
		_ = pw.CloseWithError(err)
		done <- err
	}()
	copied := make(chan error, 1)
	go func() {
		_, err := io.Copy(w, pr)
		copied <- err
	}()
	select {
	case err := <-copied:
		if err != nil {
			return err
		}
		return <-done
	case <-ctx.Done():
		_ = pr.CloseWithError(ctx.Err())
		if err := <-copied; err != nil {
			return fmt.Errorf("file://%s: %w (%v)", u.Path, ctx.Err(), err)
		}
		return fmt.Errorf("file://%s: %w", u.Path, ctx.Err())
	}
}

func (f *Fetcher) readLocal(path string, limit int64, w io.Writer) error {
	if !filepath.IsAbs(path) {
		return fmt.Errorf("%w: file://%s: not an absolute path", ErrFetchRefused, path)
	}
	real, err := filepath.EvalSymlinks(filepath.Clean(path))
	if err != nil {
		return err
	}
	if rel, err := filepath.Rel(f.root, real); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return fmt.Errorf("%w: %s is outside the file root %s", ErrFetchRefused, path, f.root)
	}
	// O_NONBLOCK: opening a FIFO does not wait for a writer; O_NOFOLLOW:
	// the resolved path cannot be swapped for a link in between.
	fh, err := os.OpenFile(real, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return err
	}
	defer func() { _ = fh.Close() }()
	st, err := fh.Stat()
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("%w: %s is not a regular file (%s)", ErrFetchRefused, path, st.Mode().Type())
	}
	if st.Size() > limit {
		return fmt.Errorf("%w: %s has %d bytes, the cap is %d", ErrTooLarge, path, st.Size(), limit)
	}
	return copyCapped("file://"+path, w, fh, limit)
}

// modelKey names a parsed model's commitment under a scheme.
type modelKey struct {
	sum [32]byte
	sc  zkml.Scheme
}

// Model fetches a model file and checks it against the job's commitment
// under the job's scheme (SchemeOf).
func (f *Fetcher) Model(ctx context.Context, sc zkml.Scheme, uri string, commitment []byte) (*zkml.Model, error) {
	bz, err := f.Fetch(ctx, uri)
	if err != nil {
		return nil, err
	}
	m, err := f.ParseModel(sc, bz, commitment)
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", uri, err)
	}
	return m, nil
}

// ParseModel parses model bytes and checks them against a commitment.
// Parsing and the commitment are remembered by the bytes' SHA-256 and the
// scheme (64 entries at most), so a model used by many jobs is hashed once.
func (f *Fetcher) ParseModel(sc zkml.Scheme, bz, commitment []byte) (*zkml.Model, error) {
	return f.parseModel(sc, bz, commitment, nil)
}

// parseModel parses, runs check on the parsed model (cheap: its shape)
// before the commitment is computed (the costly part), then compares the
// commitment. Only a model that matched is cached.
func (f *Fetcher) parseModel(sc zkml.Scheme, bz, commitment []byte, check func(*zkml.Model) error) (*zkml.Model, error) {
	key := modelKey{sha256.Sum256(bz), sc}
	f.mu.Lock()
	v, ok := f.models[key]
	f.mu.Unlock()
	if ok && bytes.Equal(v.commitment[:], commitment) {
		if check != nil {
			if err := check(v.model); err != nil {
				return nil, err
			}
		}
		return v.model, nil
	}
	m := &zkml.Model{}
	if err := m.UnmarshalBinary(bz); err != nil {
		return nil, err
	}
	if check != nil {
		if err := check(m); err != nil {
			return nil, err
		}
	}
	ck, err := f.commitmentKey(sc, m)
	if err != nil {
		return nil, err
	}
	c, err := sc.ModelCommitmentWithKey(m, ck)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(c[:], commitment) {
		return nil, fmt.Errorf("%w: the model commits to %x, the job to %x", ErrCommitmentMismatch, c, commitment)
	}
	weights := int64(0)
	for _, l := range m.Layers {
		weights += int64(len(l.Weights)) + 4*int64(len(l.Biases))
	}
	f.mu.Lock()
	if len(f.models) >= maxCachedModels || f.cached+weights > maxCachedWeights {
		clear(f.models)
		f.cached = 0
	}
	if weights <= maxCachedWeights {
		f.models[key] = verifiedModel{model: m, commitment: c}
		f.cached += weights
	}
	f.mu.Unlock()
	return m, nil
}

// commitmentKey is the key m's version 3 circuit commits models with,
// read once from KeysDir (nil under the older versions). Only keys that
// read are kept: a key set up later is found on the next job.
func (f *Fetcher) commitmentKey(sc zkml.Scheme, m *zkml.Model) (*zkml.CommitmentKey, error) {
	if sc != zkml.Pedersen {
		return nil, nil
	}
	id := m.CircuitID(sc)
	f.cksM.Lock()
	defer f.cksM.Unlock()
	if ck, ok := f.cks[id]; ok {
		return ck, nil
	}
	if f.KeysDir == "" {
		return nil, fmt.Errorf("%w: no keys directory for %s's commitment key", zkml.ErrCommitmentKey, id)
	}
	raw, err := os.ReadFile(zkml.CommitmentKeyPath(f.KeysDir, id))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", zkml.ErrCommitmentKey, err)
	}
	if f.KeyHash != nil {
		want, err := f.KeyHash(id)
		if err != nil {
			return nil, fmt.Errorf("%w: the registered hash of %s's key: %v", zkml.ErrCommitmentKey, id, err)
		}
		if got := sha256.Sum256(raw); !bytes.Equal(got[:], want) {
			return nil, fmt.Errorf("%w: %s hashes to %x, the chain registered %x", zkml.ErrCommitmentKey, zkml.CommitmentKeyPath(f.KeysDir, id), got, want)
		}
	}
	ck, err := zkml.ReadCommitmentKey(raw)
	if err != nil {
		return nil, err
	}
	f.cks[id] = ck
	return ck, nil
}

// Tensor fetches a tensor file and checks it against the job's commitment
// under the job's scheme.
func (f *Fetcher) Tensor(ctx context.Context, sc zkml.Scheme, uri string, commitment []byte) ([]int8, error) {
	bz, err := f.Fetch(ctx, uri)
	if err != nil {
		return nil, err
	}
	t, err := ParseTensor(sc, bz, commitment)
	if err != nil {
		return nil, fmt.Errorf("input %s: %w", uri, err)
	}
	return t, nil
}

// ParseTensor parses tensor bytes and checks them against a commitment.
func ParseTensor(sc zkml.Scheme, bz, commitment []byte) ([]int8, error) {
	t, err := zkml.UnmarshalTensor(bz)
	if err != nil {
		return nil, err
	}
	if c := sc.TensorCommitment(t); !bytes.Equal(c[:], commitment) {
		return nil, fmt.Errorf("%w: the tensor commits to %x, the job to %x", ErrCommitmentMismatch, c, commitment)
	}
	return t, nil
}

// ErrUnprovable: the job's files do not fit the job's circuit, so no proof
// under that circuit can back a result computed from them.
var ErrUnprovable = errors.New("files do not fit the job's circuit")

// CheckProvable is the check made before any work on a job: the model is
// exactly the job's circuit (same family, scheme and shape: the circuit id
// derived from the model equals the job's) and the input has the length the
// model takes. A result from files that fail it could not be proven in a
// dispute; and the work a job can cost is then bounded by its circuit, which
// governance registered, not by whatever model the buyer sent.
func CheckProvable(j jobstypes.Job, m *zkml.Model, in []int8) error {
	if got := m.CircuitID(SchemeOf(j)); got != j.CircuitId {
		return fmt.Errorf("%w: the model is %s, the job's circuit is %s", ErrUnprovable, got, j.CircuitId)
	}
	if in == nil {
		return nil // the shape only (the input is checked when it is read)
	}
	if want := inputLen(m); len(in) != want {
		return fmt.Errorf("%w: the input has %d values, the model takes %d", ErrUnprovable, len(in), want)
	}
	return nil
}

// fileSizes are the exact byte sizes of the model and input files of a
// circuit.
type fileSizes struct{ model, input int64 }

// sizesOf is what a reference circuit's files weigh (remembered per
// circuit): a model of the circuit's shape and an input of its length.
func (f *Fetcher) sizesOf(circuitID string) (fileSizes, error) {
	f.sizesM.Lock()
	defer f.sizesM.Unlock()
	if sz, ok := f.sizes[circuitID]; ok {
		return sz, nil
	}
	m, n, err := zeroModel(circuitID)
	if err != nil {
		return fileSizes{}, err
	}
	mb, err := m.MarshalBinary()
	if err != nil {
		return fileSizes{}, err
	}
	ib, err := zkml.MarshalTensor(make([]int8, n))
	if err != nil {
		return fileSizes{}, err
	}
	if len(f.sizes) >= 256 {
		clear(f.sizes)
	}
	sz := fileSizes{int64(len(mb)), int64(len(ib))}
	f.sizes[circuitID] = sz
	return sz, nil
}

// zeroModel is a model of the circuit's exact shape (zero weights) and the
// length of its input.
func zeroModel(circuitID string) (*zkml.Model, int, error) {
	if _, sh, err := zkml.ParseCircuitID(circuitID); err == nil {
		m := &zkml.Model{}
		for i := 0; i+1 < len(sh); i++ {
			m.Layers = append(m.Layers, zkml.Layer{In: sh[i], Out: sh[i+1], Weights: make([]int8, sh[i]*sh[i+1]), Biases: make([]int32, sh[i+1])})
		}
		return m, sh[0], nil
	}
	_, a, err := zkml.ParseCNNCircuitID(circuitID)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: %q is not a circuit this agent knows", ErrUnprovable, circuitID)
	}
	geo, err := a.Layers()
	if err != nil {
		return nil, 0, fmt.Errorf("%w: %v", ErrUnprovable, err)
	}
	m := &zkml.Model{Arch: &a}
	for _, g := range geo {
		m.Layers = append(m.Layers, zkml.Layer{In: g.In, Out: g.Out, Kernel: g.K, Weights: make([]int8, g.In*g.Out), Biases: make([]int32, g.Out)})
	}
	return m, a.InputLen(), nil
}

// MaxActivations bounds the values a run of a job without a circuit holds
// at once (8 bytes each: 128 MiB).
const MaxActivations = 1 << 24

// Activations is the most values one layer of a run holds at once: a
// convolution's accumulators before pooling, a dense layer's outputs.
func Activations(m *zkml.Model) int64 {
	var most int64
	if m.Arch != nil {
		if geo, err := m.Arch.Layers(); err == nil {
			for _, g := range geo {
				n := int64(g.Out)
				if g.IsConv {
					n *= int64(g.OutH) * int64(g.OutW)
				}
				most = max(most, n)
			}
		}
		return most
	}
	for _, l := range m.Layers {
		most = max(most, int64(l.Out))
	}
	return most
}

// Work is a model's multiply-adds for one run.
func Work(m *zkml.Model) int64 {
	var n int64
	if m.Arch != nil {
		if geo, err := m.Arch.Layers(); err == nil {
			for _, g := range geo {
				if g.IsConv {
					n += int64(g.In) * int64(g.Out) * int64(g.OutH) * int64(g.OutW)
				} else {
					n += int64(g.In) * int64(g.Out)
				}
			}
		}
		return n
	}
	for _, l := range m.Layers {
		n += int64(l.In) * int64(l.Out)
	}
	return n
}

// JobFiles fetches and checks a job's model and input, cheapest checks
// first, so a hostile buyer's files cost no more than an honest job's: a
// job naming a reference circuit reads exactly that circuit's file sizes
// (a larger or smaller file is refused at the size), its model's shape is
// checked before its commitment is computed, its input's length before its
// commitment. A job naming no circuit (it cannot be disputed) takes a model
// of at most maxWork multiply-adds. Errors: ErrUnprovable,
// ErrCommitmentMismatch, ErrFetchRefused, or the fetch's own.
func (f *Fetcher) JobFiles(ctx context.Context, j jobstypes.Job, maxWork int64) (*zkml.Model, []int8, error) {
	m, _, limits, err := f.JobModel(ctx, j, maxWork)
	if err != nil {
		return nil, nil, err
	}
	ib, err := f.fetch(ctx, j.InputUri, limits.input)
	if err != nil {
		return nil, nil, fmt.Errorf("input %s: %w", j.InputUri, unprovable(j, err))
	}
	in, err := zkml.UnmarshalTensor(ib)
	if err != nil {
		return nil, nil, fmt.Errorf("input %s: %w", j.InputUri, err)
	}
	if err := CheckProvable(j, m, in); err != nil && j.CircuitId != "" {
		return nil, nil, err
	}
	if want := inputLen(m); len(in) != want {
		return nil, nil, fmt.Errorf("%w: the input has %d values, the model takes %d", ErrUnprovable, len(in), want)
	}
	if c := SchemeOf(j).TensorCommitment(in); !bytes.Equal(c[:], j.InputCommitment) {
		return nil, nil, fmt.Errorf("%w: input %s commits to %x, the job to %x", ErrCommitmentMismatch, j.InputUri, c, j.InputCommitment)
	}
	return m, in, nil
}

// unprovable: a file larger than the circuit's cannot be its file.
func unprovable(j jobstypes.Job, err error) error {
	if j.CircuitId != "" && errors.Is(err, ErrTooLarge) {
		return fmt.Errorf("%w: %v", ErrUnprovable, err)
	}
	return err
}

// JobModel fetches and checks a job's model as JobFiles does, and returns
// it with its bytes and the file sizes the job's circuit takes.
func (f *Fetcher) JobModel(ctx context.Context, j jobstypes.Job, maxWork int64) (*zkml.Model, []byte, fileSizes, error) {
	sc := SchemeOf(j)
	limits := fileSizes{f.MaxBytes, f.MaxBytes}
	check := func(m *zkml.Model) error {
		if w := Work(m); w > maxWork {
			return fmt.Errorf("%w: the model costs %d multiply-adds a run, more than the %d this agent takes for a job without a circuit", ErrUnprovable, w, maxWork)
		}
		if a := Activations(m); a > MaxActivations {
			return fmt.Errorf("%w: a run of the model holds %d values at once, more than %d", ErrUnprovable, a, MaxActivations)
		}
		return nil
	}
	if j.CircuitId != "" {
		sz, err := f.sizesOf(j.CircuitId)
		if err != nil {
			return nil, nil, limits, err
		}
		limits = sz
		check = func(m *zkml.Model) error { return CheckProvable(j, m, nil) }
	}
	mb, err := f.fetch(ctx, j.ModelUri, limits.model)
	if err != nil {
		return nil, nil, limits, fmt.Errorf("model %s: %w", j.ModelUri, unprovable(j, err))
	}
	if j.CircuitId != "" && int64(len(mb)) != limits.model {
		return nil, nil, limits, fmt.Errorf("%w: the model file has %d bytes, a model of %s has %d", ErrUnprovable, len(mb), j.CircuitId, limits.model)
	}
	m, err := f.parseModel(sc, mb, j.ModelCommitment, check)
	if err != nil {
		return nil, nil, limits, fmt.Errorf("model %s: %w", j.ModelUri, err)
	}
	return m, mb, limits, nil
}

func inputLen(m *zkml.Model) int {
	if m.Arch != nil {
		return m.Arch.InputLen()
	}
	if len(m.Layers) > 0 {
		return m.Layers[0].In
	}
	return 0
}
