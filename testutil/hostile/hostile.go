// Package hostile is a hostile buyer's toolkit for testing the agents: an
// HTTP server (on 127.0.0.1) whose files stall, vanish on command, or are
// served as committed; FIFOs to name by file://; a compute bomb (a valid
// model whose native run costs ~2.4·10¹¹ multiply-adds); models of the
// wrong shape. Used by the agent package's tests and the end-to-end test.
package hostile

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/verdict-chain/verdict/zkml"
)

// Server serves named files, each until it is taken down, and stalls any
// path under /stall/ until the client gives up (or MaxStall passes).
type Server struct {
	*httptest.Server
	mu       sync.Mutex
	files    map[string][]byte
	gone     map[string]bool
	hits     map[string]int
	MaxStall time.Duration
}

// NewServer starts a server on 127.0.0.1, closed when the test ends.
func NewServer(t testing.TB) *Server {
	s := &Server{files: map[string][]byte{}, gone: map[string]bool{}, hits: map[string]int{}, MaxStall: time.Minute}
	s.Server = httptest.NewServer(http.HandlerFunc(s.handle))
	t.Cleanup(s.Close)
	return s
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/")
	s.mu.Lock()
	s.hits[name]++
	bz, ok := s.files[name]
	gone := s.gone[name]
	s.mu.Unlock()
	if strings.HasPrefix(name, "stall/") {
		// headers sent, body never: the slowest answer a client can get
		w.Header().Set("Content-Length", "1024")
		w.WriteHeader(http.StatusOK)
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		select {
		case <-r.Context().Done():
		case <-time.After(s.MaxStall):
		}
		return
	}
	if !ok || gone {
		http.NotFound(w, r)
		return
	}
	_, _ = w.Write(bz)
}

// Serve publishes bz under name and returns its URL.
func (s *Server) Serve(name string, bz []byte) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.files[name], s.gone[name] = bz, false
	return s.URL + "/" + name
}

// TakeDown makes name answer 404 from now on (the files of a buyer that
// vanish after the result).
func (s *Server) TakeDown(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gone[name] = true
}

// Hits is how many requests name received.
func (s *Server) Hits(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[name]
}

// Stall returns a URL that answers headers and then nothing.
func (s *Server) Stall(name string) string { return s.URL + "/stall/" + name }

// FIFO creates a named pipe in dir (no writer ever opens it: a reader
// that opens it blocking waits forever) and returns its file:// URI.
func FIFO(t testing.TB, dir, name string) string {
	path := filepath.Join(dir, name)
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Fatalf("mkfifo %s: %v", path, err)
	}
	return "file://" + path
}

// BombArch is a valid CNN whose first convolution is 64 filters of 64×64
// over a 1023×1023 image: ~2.4·10¹¹ multiply-adds for one native run, in
// a ~270 KB model file. No governance would register its circuit.
var BombArch = zkml.Arch{
	Image: zkml.Image{C: 1, H: 1023, W: 1023},
	Convs: []zkml.Conv{{F: 64, K: 64}, {F: 1, K: 7}, {F: 1, K: 8}, {F: 1, K: 8}, {F: 1, K: 7}, {F: 1, K: 7}},
	Dense: []int{10},
}

// ComputeBomb builds the BombArch model (weights from a counter: building
// it must not run it, as calibrating an example model would).
func ComputeBomb() (*zkml.Model, []int8, error) {
	geo, err := BombArch.Layers()
	if err != nil {
		return nil, nil, err
	}
	a := BombArch
	m := &zkml.Model{Arch: &a}
	for i, g := range geo {
		l := zkml.Layer{In: g.In, Out: g.Out, Kernel: g.K, Shift: zkml.MaxShift, Weights: make([]int8, g.In*g.Out), Biases: make([]int32, g.Out)}
		for k := range l.Weights {
			l.Weights[k] = int8((k*7 + i) % 61)
		}
		m.Layers = append(m.Layers, l)
	}
	if err := m.Validate(); err != nil {
		return nil, nil, err
	}
	return m, zkml.ExampleInput(BombArch.InputLen(), "bomb"), nil
}

// MACs is the multiply-adds of one native run of a CNN arch.
func MACs(a zkml.Arch) (int64, error) {
	geo, err := a.Layers()
	if err != nil {
		return 0, err
	}
	var n int64
	for _, g := range geo {
		if g.IsConv {
			n += int64(g.In) * int64(g.Out) * int64(g.OutH) * int64(g.OutW)
		} else {
			n += int64(g.In) * int64(g.Out)
		}
	}
	return n, nil
}

// WrongShape is an example MLP of shape sh (say 16-8-4 for a job whose
// circuit is mlp-16-16-4).
func WrongShape(sh, seed string) (*zkml.Model, error) {
	s, err := zkml.ParseShape(sh)
	if err != nil {
		return nil, err
	}
	return zkml.ExampleModel(s, seed)
}
