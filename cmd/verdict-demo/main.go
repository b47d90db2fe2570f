// Command verdict-demo runs Verdict's main job against a running chain:
// the demo's typed scenes (testutil/demo), independent ones side by side,
// each printing its commands and checking every balance to the uverd.
//
//	verdict-demo                      # every scene (make demo)
//	verdict-demo --scene disputes     # one scene (make demo SCENE=disputes)
//	verdict-demo --list
//
// It reads the localnet's settings from the same environment variables as
// scripts/localnet.sh (LOCALNET_HOME, RPC_PORT, GRPC_PORT, ZK_DIR, ...).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/verdict-chain/verdict/testutil/cli"
	"github.com/verdict-chain/verdict/testutil/demo"
)

func env(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func main() {
	scene := flag.String("scene", env("SCENE", ""), "comma-separated scenes to run (default: all)")
	list := flag.Bool("list", false, "list the scenes and exit")
	timeout := flag.Duration("timeout", 15*time.Minute, "give up after this long")
	flag.Parse()
	if *list {
		for _, sc := range demo.Scenes() {
			lane := "lane " + sc.Lane
			if sc.Exclusive {
				lane = "alone"
			}
			fmt.Printf("  %-10s %-15s %s\n", sc.Name, "("+lane+")", sc.Title)
		}
		return
	}
	if err := run(*scene, *timeout); err != nil {
		fmt.Fprintf(os.Stderr, "\nDEMO FAILED: %v\n", err)
		os.Exit(1)
	}
}

func run(scene string, timeout time.Duration) error {
	bin := env("VERDICTD", "build/verdictd")
	home := env("LOCALNET_HOME", ".localnet/node")
	cfg := demo.Config{
		Bin:      bin,
		TEESim:   env("TEESIM", filepath.Join(filepath.Dir(bin), "verdict-teesim")),
		TEEDir:   filepath.Join(home, "tee"),
		ZKDir:    env("ZK_DIR", ".localnet/zk"),
		Work:     env("DEMO_WORK", filepath.Join(home, "demo-files")),
		ZKShape:  env("ZK_SHAPE", "64-64-10"),
		CNNArch:  env("CNN_ARCH", "1x32x32-6k5-16k5-120-84-10"),
		SLAShape: env("SLA_SHAPE", "16-16-4"),
		Out:      os.Stdout,
	}
	for _, p := range strings.Fields(env("AGENT_PORTS", "26701 26702 26703 26704 26705 26706 26707 26708 26709 26710 26711")) {
		n, err := strconv.Atoi(p)
		if err != nil {
			return fmt.Errorf("AGENT_PORTS: %w", err)
		}
		cfg.AgentPorts = append(cfg.AgentPorts, n)
	}
	if len(cfg.AgentPorts) < 11 {
		return fmt.Errorf("AGENT_PORTS needs eleven ports")
	}
	txTimeout, err := strconv.Atoi(env("TX_TIMEOUT", "30"))
	if err != nil {
		return fmt.Errorf("TX_TIMEOUT (seconds): %w", err)
	}
	c, err := cli.Dial(cli.Config{
		Bin: bin, Home: home, GasPrices: env("GAS_PRICES", "0.01uverd"), TxTimeout: time.Duration(txTimeout) * time.Second,
		RPC: "127.0.0.1:" + env("RPC_PORT", "26657"), GRPC: "127.0.0.1:" + env("GRPC_PORT", "9090"),
	})
	if err != nil {
		return err
	}
	defer func() { _ = c.Close() }()
	cfg.Chain = c
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, timeout)
	defer cancel()
	var names []string
	if scene != "" {
		names = strings.Split(scene, ",")
	}
	start := time.Now()
	res, err := demo.Run(ctx, cfg, names)
	if err != nil {
		return err
	}
	fmt.Printf("\nDemo complete in %s: ", time.Since(start).Round(time.Second))
	var parts []string
	for _, sc := range demo.Scenes() {
		if el, ok := res.Elapsed[sc.Name]; ok {
			parts = append(parts, fmt.Sprintf("%s %s", sc.Name, el))
		}
	}
	fmt.Printf("%s — balances exact.\n", strings.Join(parts, ", "))
	return nil
}
