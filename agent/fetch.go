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
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/verdict-chain/verdict/x/dispute/zkml"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
)

// ErrCommitmentMismatch: fetched bytes are not what the job committed to.
var ErrCommitmentMismatch = errors.New("file does not match the on-chain commitment")

// ErrFetchRefused: the URI names something the agent does not fetch (a
// local path while local files are off or outside the file root, a file
// that is not regular, a private address, an unknown scheme).
var ErrFetchRefused = errors.New("fetch refused")

// FetchConfig bounds what a buyer can make an agent read.
type FetchConfig struct {
	// MaxBytes caps one file.
	MaxBytes int64
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
}

type verifiedModel struct {
	model      *zkml.Model
	commitment [zkml.CommitmentLen]byte
}

// maxCachedModels bounds the cache of parsed and committed model files.
const maxCachedModels = 64

// NewFetcher returns a fetcher with the given bounds.
func NewFetcher(cfg FetchConfig) (*Fetcher, error) {
	f := &Fetcher{FetchConfig: cfg, models: map[modelKey]verifiedModel{}}
	if cfg.MaxBytes <= 0 || cfg.Timeout <= 0 {
		return nil, errors.New("fetcher: the size cap and the timeout must be positive")
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
		Timeout:   cfg.Timeout,
		Transport: &http.Transport{DialContext: dialer.DialContext, TLSHandshakeTimeout: cfg.Timeout, ResponseHeaderTimeout: cfg.Timeout, MaxIdleConnsPerHost: 4},
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
		netip.MustParsePrefix("100.64.0.0/10").Contains(ip) { // carrier-grade NAT
		return fmt.Errorf("%w: %s is a private address (--fetch-private to allow)", ErrFetchRefused, ip)
	}
	return nil
}

// Fetch returns the bytes at uri, within the fetcher's size and time
// bounds.
func (f *Fetcher) Fetch(ctx context.Context, uri string) ([]byte, error) {
	u, err := url.Parse(uri)
	if err != nil {
		return nil, fmt.Errorf("uri %q: %w", uri, err)
	}
	ctx, cancel := context.WithTimeout(ctx, f.Timeout)
	defer cancel()
	switch u.Scheme {
	case "file":
		return f.local(ctx, u)
	case "http", "https":
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, uri, nil)
		if err != nil {
			return nil, err
		}
		res, err := f.client.Do(req)
		if err != nil {
			return nil, err
		}
		defer func() { _ = res.Body.Close() }()
		if res.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("GET %s: %s", uri, res.Status)
		}
		if res.ContentLength > f.MaxBytes {
			return nil, fmt.Errorf("%s: %d bytes, larger than the %d-byte cap", uri, res.ContentLength, f.MaxBytes)
		}
		return f.readCapped(uri, res.Body)
	case "":
		return nil, fmt.Errorf("%w: job names no file (empty uri)", ErrFetchRefused)
	default:
		return nil, fmt.Errorf("%w: uri %q: scheme %q not supported (file, http, https)", ErrFetchRefused, uri, u.Scheme)
	}
}

func (f *Fetcher) readCapped(uri string, r io.Reader) ([]byte, error) {
	bz, err := io.ReadAll(io.LimitReader(r, f.MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", uri, err)
	}
	if int64(len(bz)) > f.MaxBytes {
		return nil, fmt.Errorf("%s: larger than the %d-byte cap", uri, f.MaxBytes)
	}
	return bz, nil
}

// local reads a file:// URI: only under the file root, only a regular
// file, opened without blocking (a FIFO or a device is refused, never
// waited on), and within the fetch timeout even if the disk hangs.
func (f *Fetcher) local(ctx context.Context, u *url.URL) ([]byte, error) {
	if f.root == "" {
		return nil, fmt.Errorf("%w: file:// URIs are off (the agent's --file-root enables them for one directory)", ErrFetchRefused)
	}
	if u.Host != "" && u.Host != "localhost" {
		return nil, fmt.Errorf("%w: file://%s: a remote host", ErrFetchRefused, u.Host)
	}
	type result struct {
		bz  []byte
		err error
	}
	done := make(chan result, 1)
	go func() { // resolving and reading may block on a hung mount: the caller does not wait for it
		bz, err := f.readLocal(u.Path)
		done <- result{bz, err}
	}()
	select {
	case r := <-done:
		return r.bz, r.err
	case <-ctx.Done():
		return nil, fmt.Errorf("file://%s: %w", u.Path, ctx.Err())
	}
}

func (f *Fetcher) readLocal(path string) ([]byte, error) {
	if !filepath.IsAbs(path) {
		return nil, fmt.Errorf("%w: file://%s: not an absolute path", ErrFetchRefused, path)
	}
	real, err := filepath.EvalSymlinks(filepath.Clean(path))
	if err != nil {
		return nil, err
	}
	if rel, err := filepath.Rel(f.root, real); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return nil, fmt.Errorf("%w: %s is outside the file root %s", ErrFetchRefused, path, f.root)
	}
	// O_NONBLOCK: opening a FIFO does not wait for a writer; O_NOFOLLOW:
	// the resolved path cannot be swapped for a link in between.
	fh, err := os.OpenFile(real, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return nil, err
	}
	defer func() { _ = fh.Close() }()
	st, err := fh.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: %s is not a regular file (%s)", ErrFetchRefused, path, st.Mode().Type())
	}
	if st.Size() > f.MaxBytes {
		return nil, fmt.Errorf("%s: %d bytes, larger than the %d-byte cap", path, st.Size(), f.MaxBytes)
	}
	return f.readCapped("file://"+path, fh)
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
	key := modelKey{sha256.Sum256(bz), sc}
	f.mu.Lock()
	v, ok := f.models[key]
	f.mu.Unlock()
	if !ok {
		m := &zkml.Model{}
		if err := m.UnmarshalBinary(bz); err != nil {
			return nil, err
		}
		c, err := sc.ModelCommitment(m)
		if err != nil {
			return nil, err
		}
		v = verifiedModel{model: m, commitment: c}
		f.mu.Lock()
		if len(f.models) >= maxCachedModels {
			clear(f.models)
		}
		f.models[key] = v
		f.mu.Unlock()
	}
	if !bytes.Equal(v.commitment[:], commitment) {
		return nil, fmt.Errorf("%w: the model commits to %x, the job to %x", ErrCommitmentMismatch, v.commitment, commitment)
	}
	return v.model, nil
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
	want := 0
	if m.Arch != nil {
		want = m.Arch.InputLen()
	} else if len(m.Layers) > 0 {
		want = m.Layers[0].In
	}
	if len(in) != want {
		return fmt.Errorf("%w: the input has %d values, the model takes %d", ErrUnprovable, len(in), want)
	}
	return nil
}
