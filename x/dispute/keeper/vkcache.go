package keeper

import (
	"sync"

	"github.com/verdict-chain/verdict/x/dispute/zkverify"
)

// vkCacheSize bounds the parsed keys kept in memory (each ~2 KB).
const vkCacheSize = 64

// vkCache keeps parsed verifying keys so a proof check does not re-parse
// (parsing recomputes a pairing, ~1–1.6 ms). It is keyed by the sha256 of the
// key bytes, so an entry can only ever stand for the exact bytes in state:
// the cache changes how fast a result is computed, never the result, and gas
// is charged the same on a hit or a miss. A mutex guards it because
// simulation queries may run beside block execution.
type vkCache struct {
	mu    sync.Mutex
	max   int
	order [][32]byte // insertion order, for eviction
	m     map[[32]byte]*zkverify.VerifyingKey
}

func newVKCache(n int) *vkCache {
	return &vkCache{max: n, m: make(map[[32]byte]*zkverify.VerifyingKey, n)}
}

func (c *vkCache) get(h [32]byte) (*zkverify.VerifyingKey, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	vk, ok := c.m[h]
	return vk, ok
}

func (c *vkCache) put(h [32]byte, vk *zkverify.VerifyingKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[h]; ok {
		return
	}
	if len(c.order) >= c.max {
		delete(c.m, c.order[0])
		c.order = c.order[1:]
	}
	c.order = append(c.order, h)
	c.m[h] = vk
}
