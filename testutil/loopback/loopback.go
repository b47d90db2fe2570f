// Package loopback hands tests free TCP ports on 127.0.0.1 for the nodes
// and agents they start.
package loopback

import (
	"net"
	"testing"

	"github.com/stretchr/testify/require"
)

// FreePorts reserves n distinct loopback ports and releases them for the
// caller's processes to bind (a small race every such helper accepts).
func FreePorts(t testing.TB, n int) []int {
	t.Helper()
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		defer func() { _ = l.Close() }()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports
}
