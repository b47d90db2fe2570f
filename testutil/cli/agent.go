package cli

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Agent is a `verdictd agent <role>` process started against the chain.
type Agent struct {
	Name string
	Port int
	Log  string
	cmd  *exec.Cmd
	done chan struct{}
}

// StartAgent runs `verdictd agent role --from key` listening on
// 127.0.0.1:port, with its home and log under dir, and waits (bounded) for
// its /healthz. Stop it with Stop.
func (c *Chain) StartAgent(ctx context.Context, dir, name, role, key string, port int, args ...string) (*Agent, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, name+".log")
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, err
	}
	base := []string{
		"agent", role, "--home", c.cfg.Home, "--from", key,
		"--node", "tcp://" + c.cfg.RPC, "--grpc-addr", c.cfg.GRPC,
		"--listen", fmt.Sprintf("127.0.0.1:%d", port), "--agent-home", filepath.Join(dir, name),
	}
	cmd := exec.Command(c.cfg.Bin, append(base, args...)...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		_ = f.Close()
		return nil, err
	}
	a := &Agent{Name: name, Port: port, Log: logPath, cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); _ = f.Close(); close(a.done) }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-a.done:
			return nil, fmt.Errorf("agent %s exited: %s", name, a.Tail(5))
		default:
		}
		if res, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/healthz", port)); err == nil {
			_ = res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return a, nil
			}
		}
		if time.Now().After(deadline) {
			a.Stop()
			return nil, fmt.Errorf("agent %s not healthy after 30 s: %s", name, a.Tail(5))
		}
		select {
		case <-ctx.Done():
			a.Stop()
			return nil, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// Pid is the agent's process id.
func (a *Agent) Pid() int { return a.cmd.Process.Pid }

// Stop sends SIGTERM and waits (bounded: 20 s, then SIGKILL) for the exit.
// It reports whether the agent stopped by itself.
func (a *Agent) Stop() bool {
	_ = a.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-a.done:
		return true
	case <-time.After(20 * time.Second):
		_ = a.cmd.Process.Kill()
		<-a.done
		return false
	}
}

// Kill stops the agent with SIGKILL (a crash) and waits for the exit.
func (a *Agent) Kill() {
	_ = a.cmd.Process.Kill()
	<-a.done
}

// Metric is the value of the first /metrics sample whose line starts with
// prefix ("name{labels"), 0 when absent, -1 when the agent does not answer.
func (a *Agent) Metric(prefix string) float64 {
	c := &http.Client{Timeout: 5 * time.Second}
	res, err := c.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", a.Port))
	if err != nil {
		return -1
	}
	defer func() { _ = res.Body.Close() }()
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, prefix) {
			v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
			if err != nil {
				return -1
			}
			return v
		}
	}
	return 0
}

// Metrics are the agent's counters with a positive value whose name
// starts with prefix, one "name{labels} value" line each.
func (a *Agent) Metrics(prefix string) []string {
	c := &http.Client{Timeout: 5 * time.Second}
	res, err := c.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", a.Port))
	if err != nil {
		return nil
	}
	defer func() { _ = res.Body.Close() }()
	var out []string
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, prefix) && !strings.HasSuffix(line, " 0") {
			out = append(out, line)
		}
	}
	return out
}

// LogText is the agent's log so far.
func (a *Agent) LogText() string {
	bz, _ := os.ReadFile(a.Log)
	return string(bz)
}

// Tail is the last n lines of the agent's log.
func (a *Agent) Tail(n int) string {
	lines := strings.Split(strings.TrimRight(a.LogText(), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
