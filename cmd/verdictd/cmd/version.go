package cmd

import (
	"runtime/debug"

	"github.com/cosmos/cosmos-sdk/version"
)

// fillVersion gives `verdictd version` something to say when the build set
// no ldflags (`go install ./cmd/verdictd` without the Makefile): the Go
// build info's VCS revision ("-dirty" for a modified tree), else the module
// version when installed from a proxy, else "devel" (a build with
// -buildvcs=false, or outside a repository).
func fillVersion() {
	if version.Name == "" {
		version.Name = "verdict"
	}
	if version.AppName == "" {
		version.AppName = "verdictd"
	}
	if version.Version != "" {
		return
	}
	info, _ := debug.ReadBuildInfo()
	version.Version, version.Commit = versionFrom(info)
}

func versionFrom(info *debug.BuildInfo) (ver, commit string) {
	if info == nil {
		return "devel", ""
	}
	dirty := false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			commit = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	switch {
	case commit != "":
		ver = commit[:min(len(commit), 7)]
		if dirty {
			ver += "-dirty"
		}
	case info.Main.Version != "" && info.Main.Version != "(devel)":
		ver = info.Main.Version
	default:
		ver = "devel"
	}
	return ver, commit
}
