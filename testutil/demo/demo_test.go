package demo

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The story is told in scene order whatever order the scenes write and
// finish in: the earliest unfinished scene writes through, the others are
// held until their turn.
func TestStoryKeepsSceneOrder(t *testing.T) {
	var out bytes.Buffer
	st := &story{out: &out, bufs: []*bytes.Buffer{{}, {}, {}}, done: make([]bool, 3)}
	st.write(2, []byte("c1 "))
	st.write(0, []byte("a1 "))
	st.write(1, []byte("b1 "))
	require.Equal(t, "a1 ", out.String(), "only the first scene writes through")
	st.finish(2) // the last scene ends first: still held
	st.write(1, []byte("b2 "))
	require.Equal(t, "a1 ", out.String())
	st.finish(0) // the first ends: the second's story so far, then it writes through
	require.Equal(t, "a1 b1 b2 ", out.String())
	st.write(1, []byte("b3 "))
	st.finish(1) // and the finished third follows at once
	require.Equal(t, "a1 b1 b2 b3 c1 ", out.String())
}

// An unknown scene is refused before anything runs.
func TestRunRefusesUnknownScene(t *testing.T) {
	_, err := Run(context.Background(), Config{Work: t.TempDir()}, []string{"no-such-scene"})
	require.ErrorContains(t, err, `no scene "no-such-scene"`)
	require.ErrorContains(t, err, "lifecycle")
}

// Commands are shown as typed, long arguments shortened and JSON quoted.
func TestShownCommand(t *testing.T) {
	got := shown([]string{"jobs", "submit-proof", "7", strings.Repeat("ab", 200), `{"a":1}`})
	require.Equal(t, `jobs submit-proof 7 abababababababababababab…(400 chars) '{"a":1}'`, got)
}

// Every scene is named once, exclusive scenes have no lane, the closing
// scene is last.
func TestScenesWellFormed(t *testing.T) {
	seen := map[string]bool{}
	all := Scenes()
	for _, sc := range all {
		require.False(t, seen[sc.Name], sc.Name)
		seen[sc.Name] = true
		require.NotNil(t, sc.Run, sc.Name)
		require.Equal(t, sc.Exclusive, sc.Lane == "", "%s: a scene has a lane or runs alone", sc.Name)
	}
	require.Equal(t, "accounts", all[len(all)-1].Name)
}

// The validators that vote are read from the keyring's JSON listing.
func TestKeyNames(t *testing.T) {
	names, err := keyNames(`[{"name":"validator","type":"local","address":"verdict1x"},{"name":"buyer","type":"local"}]` + "\n")
	require.NoError(t, err)
	require.Equal(t, []string{"validator", "buyer"}, names)
	_, err = keyNames("Error: keyring locked")
	require.Error(t, err)
}
