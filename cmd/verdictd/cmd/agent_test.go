package cmd

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestAgentConfigFile(t *testing.T) {
	home := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(home, "config.toml"), []byte(`
from = "agent-honest"
delay = "300ms"
wrong-output-rate = 0.25
gas-adjustment = 2
listen = "127.0.0.1:9999"
`), 0o644))
	cmd := providerAgentCmd()
	require.NoError(t, cmd.Flags().Parse([]string{"--listen", "127.0.0.1:1234"}))
	require.NoError(t, applyConfigFile(cmd, home))
	f := cmd.Flags()
	from, _ := f.GetString("from")
	delay, _ := f.GetDuration("delay")
	rate, _ := f.GetFloat64("wrong-output-rate")
	adj, _ := f.GetFloat64("gas-adjustment")
	listen, _ := f.GetString("listen")
	require.Equal(t, "agent-honest", from)
	require.Equal(t, 300*time.Millisecond, delay)
	require.InDelta(t, 0.25, rate, 1e-9)
	require.InDelta(t, 2.0, adj, 1e-9)
	require.Equal(t, "127.0.0.1:1234", listen, "the command line wins over the file")

	// no file: nothing to apply; an unknown key or a bad value is an error
	require.NoError(t, applyConfigFile(providerAgentCmd(), t.TempDir()))
	bad := filepath.Join(home, "bad.toml")
	require.NoError(t, os.WriteFile(bad, []byte(`sample-rate = 0.5`), 0o644))
	cmd = providerAgentCmd()
	require.NoError(t, cmd.Flags().Parse([]string{"--config", bad}))
	require.ErrorContains(t, applyConfigFile(cmd, home), `unknown setting "sample-rate"`)
	require.NoError(t, os.WriteFile(bad, []byte(`delay = "soon"`), 0o644))
	require.Error(t, applyConfigFile(cmd, home))
	cmd = watcherAgentCmd()
	require.NoError(t, cmd.Flags().Parse([]string{"--config", filepath.Join(home, "missing.toml")}))
	require.Error(t, applyConfigFile(cmd, home), "an explicit --config must exist")
}
