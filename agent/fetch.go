package agent

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sync"
	"time"

	"github.com/verdict-chain/verdict/x/dispute/zkml"
)

// ErrCommitmentMismatch: fetched bytes are not what the job committed to.
var ErrCommitmentMismatch = errors.New("file does not match the on-chain commitment")

// Fetcher reads job files by URI: file:// and http(s)://, at most MaxBytes,
// within Timeout. Anything else (ipfs:// without a gateway, ftp://) is
// refused.
type Fetcher struct {
	MaxBytes int64
	Timeout  time.Duration
	client   *http.Client
	mu       sync.Mutex
	models   map[modelKey]verifiedModel // (sha256 of the file, scheme) -> parsed, committed
}

type verifiedModel struct {
	model      *zkml.Model
	commitment [zkml.CommitmentLen]byte
}

// maxCachedModels bounds the cache of parsed and committed model files.
const maxCachedModels = 64

// NewFetcher returns a fetcher with the given caps.
func NewFetcher(maxBytes int64, timeout time.Duration) *Fetcher {
	return &Fetcher{MaxBytes: maxBytes, Timeout: timeout, client: &http.Client{Timeout: timeout}, models: map[modelKey]verifiedModel{}}
}

// Fetch returns the bytes at uri.
func (f *Fetcher) Fetch(ctx context.Context, uri string) ([]byte, error) {
	u, err := url.Parse(uri)
	if err != nil {
		return nil, fmt.Errorf("uri %q: %w", uri, err)
	}
	var r io.Reader
	switch u.Scheme {
	case "file":
		fh, err := os.Open(u.Path)
		if err != nil {
			return nil, err
		}
		defer func() { _ = fh.Close() }()
		r = fh
	case "http", "https":
		ctx, cancel := context.WithTimeout(ctx, f.Timeout)
		defer cancel()
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
		r = res.Body
	case "":
		return nil, fmt.Errorf("job names no file (empty uri)")
	default:
		return nil, fmt.Errorf("uri %q: scheme %q not supported (file, http, https)", uri, u.Scheme)
	}
	bz, err := io.ReadAll(io.LimitReader(r, f.MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", uri, err)
	}
	if int64(len(bz)) > f.MaxBytes {
		return nil, fmt.Errorf("%s: larger than the %d-byte cap", uri, f.MaxBytes)
	}
	return bz, nil
}

// modelKey names a parsed model's commitment under a scheme.
type modelKey struct {
	sum [32]byte
	sc  zkml.Scheme
}

// Model fetches a model file and checks it against the job's commitment
// under the job's scheme (SchemeOf). The bytes are read every time;
// parsing and the commitment are remembered by the bytes' SHA-256 and the
// scheme, so a model used by many jobs is hashed once.
func (f *Fetcher) Model(ctx context.Context, sc zkml.Scheme, uri string, commitment []byte) (*zkml.Model, error) {
	bz, err := f.Fetch(ctx, uri)
	if err != nil {
		return nil, err
	}
	key := modelKey{sha256.Sum256(bz), sc}
	f.mu.Lock()
	v, ok := f.models[key]
	f.mu.Unlock()
	if !ok {
		m := &zkml.Model{}
		if err := m.UnmarshalBinary(bz); err != nil {
			return nil, fmt.Errorf("model %s: %w", uri, err)
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
	m, c := v.model, v.commitment
	if !bytes.Equal(c[:], commitment) {
		return nil, fmt.Errorf("%w: model %s commits to %x, the job to %x", ErrCommitmentMismatch, uri, c, commitment)
	}
	return m, nil
}

// Tensor fetches a tensor file and checks it against the job's commitment
// under the job's scheme.
func (f *Fetcher) Tensor(ctx context.Context, sc zkml.Scheme, uri string, commitment []byte) ([]int8, error) {
	bz, err := f.Fetch(ctx, uri)
	if err != nil {
		return nil, err
	}
	t, err := zkml.UnmarshalTensor(bz)
	if err != nil {
		return nil, fmt.Errorf("tensor %s: %w", uri, err)
	}
	if c := sc.TensorCommitment(t); !bytes.Equal(c[:], commitment) {
		return nil, fmt.Errorf("%w: input %s commits to %x, the job to %x", ErrCommitmentMismatch, uri, c, commitment)
	}
	return t, nil
}
