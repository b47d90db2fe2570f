// verdictd is the Verdict node and command-line client.
package main

import (
	"fmt"
	"os"

	"github.com/consensys/gnark/logger"
	svrcmd "github.com/cosmos/cosmos-sdk/server/cmd"

	"github.com/verdict-chain/verdict/app"
	"github.com/verdict-chain/verdict/cmd/verdictd/cmd"
)

func main() {
	// gnark logs to stdout by default, which would corrupt CLI output.
	logger.Disable()
	rootCmd := cmd.NewRootCmd()
	if err := svrcmd.Execute(rootCmd, "", app.DefaultNodeHome); err != nil {
		_, _ = fmt.Fprintln(rootCmd.OutOrStderr(), err)
		os.Exit(1)
	}
}
