package cmd

import (
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestVersionWithoutLdflags(t *testing.T) {
	rev := "0c4bc5a4bf944c0c1fd5372befec2f348b844d84"
	for name, c := range map[string]struct {
		info        *debug.BuildInfo
		ver, commit string
	}{
		"clean tree":          {&debug.BuildInfo{Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: "false"}}}, "0c4bc5a", rev},
		"dirty tree":          {&debug.BuildInfo{Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: "true"}}}, "0c4bc5a-dirty", rev},
		"from a module proxy": {&debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}}, "v1.2.3", ""},
		"no stamp":            {&debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "devel", ""},
		"no build info":       {nil, "devel", ""},
	} {
		ver, commit := versionFrom(c.info)
		require.Equal(t, c.ver, ver, name)
		require.Equal(t, c.commit, commit, name)
	}
}
