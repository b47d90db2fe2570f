package agent

import (
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// ErrRetentionFull: keeping a job's files would exceed the disk budget.
var ErrRetentionFull = errors.New("retention budget full")

// Retainer keeps what a provider needs to prove a result — the job's model
// and input, verified against their commitments — on its own disk, from
// the run until the job can no longer be challenged or its dispute is
// settled: a buyer that takes its files down after the result cannot make
// the provider fail a proof. Files are stored once per commitment under
// <agent-home>/retained and shared by every job that names them; the job
// records live in the agent's store, so a restart keeps them. The bytes on
// disk never exceed the budget: a job whose files would is declined before
// it runs.
type Retainer struct {
	dir    string
	budget int64
	store  *Store
	mu     sync.Mutex
	refs   map[string]int   // file name -> retained jobs naming it
	sizes  map[string]int64 // file name -> bytes
	used   int64
}

// retainRecord is one retained job: the files it needs.
type retainRecord struct {
	Model string `json:"model"` // file names under the retention directory
	Input string `json:"input"`
}

// OpenRetainer opens the retention directory under home with a budget in
// bytes, rebuilding its reference counts from the store and deleting any
// file no record names (a crash between write and record).
func OpenRetainer(home string, budget int64, s *Store) (*Retainer, error) {
	r := &Retainer{dir: filepath.Join(home, "retained"), budget: budget, store: s, refs: map[string]int{}, sizes: map[string]int64{}}
	if err := os.MkdirAll(r.dir, 0o700); err != nil {
		return nil, err
	}
	err := s.Each("retain/", func(_ string, raw []byte) error {
		var rec retainRecord
		if err := jsonUnmarshal(raw, &rec); err != nil {
			return err
		}
		r.refs[rec.Model]++
		r.refs[rec.Input]++
		return nil
	})
	if err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(r.dir)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		name := e.Name()
		if r.refs[name] == 0 {
			_ = os.Remove(filepath.Join(r.dir, name))
			continue
		}
		if info, err := e.Info(); err == nil {
			r.sizes[name] = info.Size()
			r.used += info.Size()
		}
	}
	return r, nil
}

// Used is the bytes retained now.
func (r *Retainer) Used() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.used
}

func fileName(kind string, commitment []byte) string {
	return kind + "-" + hex.EncodeToString(commitment)
}

// Keep retains a job's model and input bytes (already verified against the
// job's commitments). ErrRetentionFull when the new bytes would exceed the
// budget; nothing is kept then.
func (r *Retainer) Keep(jobID uint64, modelC, model, inputC, input []byte) error {
	rec := retainRecord{Model: fileName("model", modelC), Input: fileName("input", inputC)}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.store.Has(jobKey("retain", jobID)) {
		return nil // a job's commitments never change: kept already
	}
	var add int64
	if r.refs[rec.Model] == 0 {
		add += int64(len(model))
	}
	if r.refs[rec.Input] == 0 {
		add += int64(len(input))
	}
	if r.used+add > r.budget {
		return fmt.Errorf("%w: %d bytes kept, %d more needed, budget %d", ErrRetentionFull, r.used, add, r.budget)
	}
	for _, f := range []struct {
		name string
		bz   []byte
	}{{rec.Model, model}, {rec.Input, input}} {
		if r.refs[f.name] > 0 {
			continue
		}
		if err := writeFileSync(filepath.Join(r.dir, f.name), f.bz); err != nil {
			return err
		}
		if _, seen := r.sizes[f.name]; !seen {
			r.sizes[f.name] = int64(len(f.bz))
			r.used += int64(len(f.bz))
		}
	}
	if err := r.store.Put(jobKey("retain", jobID), rec); err != nil {
		return err
	}
	r.refs[rec.Model]++
	r.refs[rec.Input]++
	return nil
}

// TempPath is where a batch job's input is fetched to before it is
// verified (on the retention disk, so KeepFile moves it; a crash leaves a
// file OpenRetainer deletes).
func (r *Retainer) TempPath(jobID uint64) string {
	return filepath.Join(r.dir, "fetch-"+strconv.FormatUint(jobID, 10)+".tmp")
}

// Reserve holds n bytes of the budget for a batch input about to be
// fetched (concurrent fetches cannot together overrun it): ErrRetentionFull
// when they do not fit. The returned release gives the bytes back; call it
// once the file is kept (KeepFile counts the file itself) or refused.
func (r *Retainer) Reserve(n int64) (release func(), err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.used+n > r.budget {
		return func() {}, fmt.Errorf("%w: %d bytes kept, %d more needed, budget %d", ErrRetentionFull, r.used, n, r.budget)
	}
	r.used += n
	var once sync.Once
	return func() {
		once.Do(func() {
			r.mu.Lock()
			r.used -= n
			r.mu.Unlock()
		})
	}, nil
}

// KeepFile retains a batch job's model bytes and its input file, moved in
// from tmp (on the same disk, already verified against the job's root):
// the file is never held in memory. reserved is what the caller holds of
// the budget for it (Reserve, released by the caller after). ErrRetentionFull
// as Keep; tmp is removed whatever happens.
func (r *Retainer) KeepFile(jobID uint64, modelC, model, inputC []byte, tmp string, reserved int64) error {
	defer func() { _ = os.Remove(tmp) }()
	st, err := os.Stat(tmp)
	if err != nil {
		return err
	}
	rec := retainRecord{Model: fileName("model", modelC), Input: fileName("batch", inputC)}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.store.Has(jobKey("retain", jobID)) {
		return nil
	}
	var add int64
	if r.refs[rec.Model] == 0 {
		add += int64(len(model))
	}
	if r.refs[rec.Input] == 0 {
		add += st.Size()
	}
	if r.used-reserved+add > r.budget {
		return fmt.Errorf("%w: %d bytes kept, %d more needed, budget %d", ErrRetentionFull, r.used, add, r.budget)
	}
	if r.refs[rec.Model] == 0 {
		if err := writeFileSync(filepath.Join(r.dir, rec.Model), model); err != nil {
			return err
		}
		if _, seen := r.sizes[rec.Model]; !seen {
			r.sizes[rec.Model] = int64(len(model))
			r.used += int64(len(model))
		}
	}
	if r.refs[rec.Input] == 0 {
		if err := syncFile(tmp); err != nil {
			return err
		}
		if err := os.Rename(tmp, filepath.Join(r.dir, rec.Input)); err != nil {
			return err
		}
		if _, seen := r.sizes[rec.Input]; !seen {
			r.sizes[rec.Input] = st.Size()
			r.used += st.Size()
		}
	}
	if err := r.store.Put(jobKey("retain", jobID), rec); err != nil {
		return err
	}
	r.refs[rec.Model]++
	r.refs[rec.Input]++
	return nil
}

// LoadBatch returns a retained batch job's model bytes and the path of its
// input file; false when the job is not retained as a batch.
func (r *Retainer) LoadBatch(jobID uint64) (model []byte, input string, ok bool) {
	var rec retainRecord
	if found, _ := r.store.Get(jobKey("retain", jobID), &rec); !found || !strings.HasPrefix(rec.Input, "batch-") {
		return nil, "", false
	}
	model, err := os.ReadFile(filepath.Join(r.dir, rec.Model))
	if err != nil {
		return nil, "", false
	}
	input = filepath.Join(r.dir, rec.Input)
	if _, err := os.Stat(input); err != nil {
		return nil, "", false
	}
	return model, input, true
}

func syncFile(path string) error {
	fh, err := os.OpenFile(path, os.O_RDWR, 0) //nolint:gosec // the agent's own file
	if err != nil {
		return err
	}
	if err := fh.Sync(); err != nil {
		_ = fh.Close()
		return err
	}
	return fh.Close()
}

// Load returns a retained job's model and input bytes; false when the job
// is not retained (or its files are gone).
func (r *Retainer) Load(jobID uint64) (model, input []byte, ok bool) {
	var rec retainRecord
	if found, _ := r.store.Get(jobKey("retain", jobID), &rec); !found || strings.HasPrefix(rec.Input, "batch-") {
		return nil, nil, false
	}
	model, err1 := os.ReadFile(filepath.Join(r.dir, rec.Model))
	input, err2 := os.ReadFile(filepath.Join(r.dir, rec.Input))
	if err1 != nil || err2 != nil {
		return nil, nil, false
	}
	return model, input, true
}

// Release forgets a job; a file no other retained job names is deleted.
func (r *Retainer) Release(jobID uint64) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	var rec retainRecord
	if ok, _ := r.store.Get(jobKey("retain", jobID), &rec); !ok {
		return nil
	}
	if err := r.store.Delete(jobKey("retain", jobID)); err != nil {
		return err
	}
	r.unref(rec)
	return nil
}

func (r *Retainer) unref(rec retainRecord) {
	for _, name := range []string{rec.Model, rec.Input} {
		r.refs[name]--
		if r.refs[name] > 0 {
			continue
		}
		delete(r.refs, name)
		if err := os.Remove(filepath.Join(r.dir, name)); err == nil || errors.Is(err, os.ErrNotExist) {
			r.used -= r.sizes[name]
			delete(r.sizes, name)
		}
	}
}

// Jobs lists the retained jobs, in id order.
func (r *Retainer) Jobs() []uint64 {
	var ids []uint64
	_ = r.store.Each("retain/", func(key string, _ []byte) error {
		if id, err := strconv.ParseUint(strings.TrimPrefix(key, "retain/"), 10, 64); err == nil {
			ids = append(ids, id)
		}
		return nil
	})
	return ids
}

// writeFileSync writes a file through a temporary name and fsyncs it, so a
// crash leaves either the whole file or none.
func writeFileSync(path string, bz []byte) error {
	tmp := path + ".tmp"
	fh, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := fh.Write(bz); err != nil {
		_ = fh.Close()
		return err
	}
	if err := fh.Sync(); err != nil {
		_ = fh.Close()
		return err
	}
	if err := fh.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
