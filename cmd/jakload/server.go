package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/prometheus/procfs"
)

// buildBinary builds jakguard into dir, as a deployment would build it, or
// with the jakguard_pprof tag (cmd/jakguard/pprof.go) for a CPU profile.
func buildBinary(ctx context.Context, dir string, pprof bool, stderr io.Writer) (string, error) {
	bin := filepath.Join(dir, "jakguard")
	args := []string{"build", "-o", bin}
	if pprof {
		args = append(args, "-tags", "jakguard_pprof")
	}
	cmd := exec.CommandContext(ctx, "go", append(args, "jakguard/cmd/jakguard")...)
	cmd.Stdout, cmd.Stderr = stderr, stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build jakguard: %w", err)
	}
	return bin, nil
}

// server is one running `jakguard serve`, or the static server.
type server struct {
	name  string // for messages
	cmd   *exec.Cmd
	base  string // http://127.0.0.1:PORT
	log   *os.File
	done  chan error
	pprof string // with the jakguard_pprof tag: where it serves /debug/pprof/profile
	// calls counts the hook calls sent to it, each of which leaves an
	// audit record.
	calls uint64
	// static: the static server (-static), which keeps no records.
	static bool
}

// startServer runs bin serve on a free loopback port with the store dsn and,
// if clients is not "", the trusted clients file, and waits until /readyz
// answers 200. It logs at the level that ships (info: a line per request,
// as deploy/kubernetes sets; jakguard logs no patient data) to logPath, as
// a container's output goes to a file.
func startServer(ctx context.Context, bin, dsn, clients, auditKey, logPath string) (*server, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	pprofAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	args := []string{"serve", "--addr", addr, "--db", dsn, "--shutdown-drain", "0s"}
	if clients != "" {
		args = append(args, "--clients", clients)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "JAKGUARD_AUDIT_KEY="+auditKey, "JAKGUARD_PPROF_ADDR="+pprofAddr)
	s, err := startProcess(ctx, cmd, "http://"+addr, logPath, "jakguard serve")
	if err != nil {
		return nil, err
	}
	s.pprof = "http://" + pprofAddr
	return s, nil
}

// startProcess starts cmd, its output to logPath, and waits until
// base/readyz answers 200.
func startProcess(ctx context.Context, cmd *exec.Cmd, base, logPath, name string) (*server, error) {
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	s := &server{name: name, cmd: cmd, base: base, log: logf, done: make(chan error, 1)}
	go func() { s.done <- cmd.Wait() }()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		select {
		case err := <-s.done:
			logf.Close()
			return nil, fmt.Errorf("%s exited before it was ready (%v); its log: %s", name, err, logPath)
		case <-ctx.Done():
			s.stop()
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if status(s.base+"/readyz") == http.StatusOK {
			return s, nil
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("%s not ready after 2 minutes; its log: %s", name, logPath)
		}
	}
}

// stop sends SIGTERM, so that the server flushes its records and closes its
// store as in a deployment, and waits for it to exit.
func (s *server) stop() error {
	defer s.log.Close()
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.done:
		return err
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
		return fmt.Errorf("%s did not stop within 30 s of SIGTERM; killed", s.name)
	}
}

// profile writes a CPU profile of the server over d to path (a binary
// built with the jakguard_pprof tag).
func (s *server) profile(ctx context.Context, d time.Duration, path string) error {
	secs := max(1, int(d.Round(time.Second)/time.Second))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.pprof+"/debug/pprof/profile?seconds="+strconv.Itoa(secs), nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("-cpuprofile: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("-cpuprofile: %s", resp.Status)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// cpu is the CPU time (user and system, every thread) the server has used.
func (s *server) cpu() time.Duration { return processCPU(s.cmd.Process.Pid) }

// processCPU is the CPU time (user and system) process pid has used, read
// from /proc/PID/stat with procfs; 0 when it cannot be read.
func processCPU(pid int) time.Duration {
	p, err := procfs.NewProc(pid)
	if err != nil {
		return 0
	}
	st, err := p.Stat()
	if err != nil {
		return 0
	}
	return time.Duration(st.CPUTime() * float64(time.Second))
}

// recorderCounts are the server's recorder counters.
type recorderCounts struct {
	cardsWritten, auditsWritten, cardsDropped, auditsDropped float64
}

func (a recorderCounts) sub(b recorderCounts) recorderCounts {
	return recorderCounts{a.cardsWritten - b.cardsWritten, a.auditsWritten - b.auditsWritten,
		a.cardsDropped - b.cardsDropped, a.auditsDropped - b.auditsDropped}
}

// recorder reads the recorder's counters from the server's /metrics.
func (s *server) recorder() (recorderCounts, error) {
	resp, err := http.Get(s.base + "/metrics")
	if err != nil {
		return recorderCounts{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return recorderCounts{}, fmt.Errorf("/metrics: %s", resp.Status)
	}
	return parseRecorderCounts(resp.Body)
}

// parseRecorderCounts reads the recorder's counters from the Prometheus
// text format.
func parseRecorderCounts(r io.Reader) (recorderCounts, error) {
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(r)
	if err != nil {
		return recorderCounts{}, fmt.Errorf("/metrics: %w", err)
	}
	get := func(name string) float64 {
		var sum float64
		if f := families[name]; f != nil {
			for _, m := range f.GetMetric() {
				sum += m.GetCounter().GetValue()
			}
		}
		return sum
	}
	return recorderCounts{
		cardsWritten:  get("jakguard_card_records_written_total"),
		auditsWritten: get("jakguard_audit_records_written_total"),
		cardsDropped:  get("jakguard_card_records_dropped_total"),
		auditsDropped: get("jakguard_audit_records_dropped_total"),
	}, nil
}

func status(url string) int {
	resp, err := http.Get(url)
	if err != nil {
		return 0
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// freeAddr is a free loopback address ("127.0.0.1:PORT") to serve on.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// loadAverage is the machine's one-minute load average, from /proc/loadavg.
func loadAverage() float64 {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return -1
	}
	f := strings.Fields(string(data))
	if len(f) == 0 {
		return -1
	}
	v, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return -1
	}
	return v
}
