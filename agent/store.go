package agent

import (
	"encoding/json"
	"fmt"
	"path/filepath"

	dbm "github.com/cosmos/cosmos-db"
)

// Store is an agent's memory across restarts: what it fetched, posted,
// proved, challenged and reported, under <home>/data/agent.db (goleveldb,
// synchronous writes). The chain stays the authority: an agent checks the
// chain's state before acting, and the store keeps it from repeating work
// (and spending) it already did.
type Store struct{ db dbm.DB }

// OpenStore opens (or creates) the store under home.
func OpenStore(home string) (*Store, error) {
	db, err := dbm.NewGoLevelDB("agent", filepath.Join(home, "data"), nil)
	if err != nil {
		return nil, fmt.Errorf("agent store in %s: %w", home, err)
	}
	return &Store{db: db}, nil
}

// Close closes the store.
func (s *Store) Close() error { return s.db.Close() }

// Get decodes the value at key into v; false when absent.
func (s *Store) Get(key string, v any) (bool, error) {
	bz, err := s.db.Get([]byte(key))
	if err != nil || bz == nil {
		return false, err
	}
	return true, json.Unmarshal(bz, v)
}

// Has reports whether key is set.
func (s *Store) Has(key string) bool {
	ok, err := s.db.Has([]byte(key))
	return err == nil && ok
}

// Put stores v (JSON) at key, synced to disk before it returns.
func (s *Store) Put(key string, v any) error {
	bz, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return s.db.SetSync([]byte(key), bz)
}

// PutRawSync writes raw values at their keys in one batch, synced to disk
// before it returns (concurrent writers share a sync: goleveldb merges
// them).
func (s *Store) PutRawSync(kv ...[2][]byte) error {
	b := s.db.NewBatch()
	defer func() { _ = b.Close() }()
	for _, e := range kv {
		if err := b.Set(e[0], e[1]); err != nil {
			return err
		}
	}
	return b.WriteSync()
}

// PutRaw writes raw values at their keys in one batch, not synced: in the
// OS's cache when it returns (an agent's crash does not lose it, a
// machine's may).
func (s *Store) PutRaw(kv ...[2][]byte) error {
	b := s.db.NewBatch()
	defer func() { _ = b.Close() }()
	for _, e := range kv {
		if err := b.Set(e[0], e[1]); err != nil {
			return err
		}
	}
	return b.Write()
}

// GetRaw reads the raw value at key (nil when absent).
func (s *Store) GetRaw(key []byte) ([]byte, error) { return s.db.Get(key) }

// Delete removes key.
func (s *Store) Delete(key string) error { return s.db.DeleteSync([]byte(key)) }

// Each calls fn for every key under prefix, in key order.
func (s *Store) Each(prefix string, fn func(key string, raw []byte) error) error {
	it, err := dbm.IteratePrefix(s.db, []byte(prefix))
	if err != nil {
		return err
	}
	defer func() { _ = it.Close() }()
	for ; it.Valid(); it.Next() {
		if err := fn(string(it.Key()), it.Value()); err != nil {
			return err
		}
	}
	return it.Error()
}

// jobKey is "<kind>/<job id, zero-padded so keys sort by id>".
func jobKey(kind string, id uint64) string { return fmt.Sprintf("%s/%020d", kind, id) }

func jsonUnmarshal(raw []byte, v any) error { return json.Unmarshal(raw, v) }
