package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"jakguard/rules"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3".
var version = "dev"

// specVersion is the CDS Hooks version implemented.
const specVersion = "2.0.1"

// errUsage marks an error already explained to the user (bad flags).
var errUsage = errors.New("usage")

// run is the whole program; main only wires the process to it, so tests
// call it with their own arguments, environment and outputs.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "serve":
		err = serve(ctx, args, getenv, stderr)
	case "eval":
		err = evalCmd(ctx, args, getenv, stdout, stderr)
	case "report":
		err = reportCmd(ctx, args, getenv, stdout, stderr)
	case "version":
		err = versionCmd(args, getenv, stdout, stderr)
	case "healthcheck":
		err = healthcheckCmd(ctx, args, getenv, stderr)
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, "usage: jakguard [serve|eval|report|version] [flags]; jakguard COMMAND -h for the flags")
		return 0
	default:
		err = fmt.Errorf("unknown command %q (want serve, eval, report or version)", cmd)
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	}
	fmt.Fprintln(stderr, "jakguard:", err)
	return 1
}

// flagSet is a FlagSet whose defaults come from the environment, so that
// a flag beats its environment variable, which beats the built-in default.
type flagSet struct {
	*flag.FlagSet
	getenv func(string) string
	envErr error
}

func newFlagSet(name string, getenv func(string) string, stderr io.Writer) *flagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return &flagSet{FlagSet: fs, getenv: getenv}
}

func (f *flagSet) env(name, env string) (string, bool) {
	if env == "" {
		return "", false
	}
	v := f.getenv(env)
	return v, v != ""
}

func (f *flagSet) String(name, env, def, usage string) *string {
	if v, ok := f.env(name, env); ok {
		def = v
	}
	return f.FlagSet.String(name, def, usage+envNote(env))
}

func (f *flagSet) Bool(name, env string, def bool, usage string) *bool {
	if v, ok := f.env(name, env); ok {
		b, err := strconv.ParseBool(v)
		if err != nil && f.envErr == nil {
			f.envErr = fmt.Errorf("%s=%q is not a boolean", env, v)
		}
		def = b
	}
	return f.FlagSet.Bool(name, def, usage+envNote(env))
}

func (f *flagSet) Duration(name, env string, def time.Duration, usage string) *time.Duration {
	if v, ok := f.env(name, env); ok {
		d, err := time.ParseDuration(v)
		if err != nil && f.envErr == nil {
			f.envErr = fmt.Errorf("%s=%q is not a duration", env, v)
		}
		def = d
	}
	return f.FlagSet.Duration(name, def, usage+envNote(env))
}

func (f *flagSet) Int(name, env string, def int, usage string) *int {
	if v, ok := f.env(name, env); ok {
		n, err := strconv.Atoi(v)
		if err != nil && f.envErr == nil {
			f.envErr = fmt.Errorf("%s=%q is not a whole number", env, v)
		}
		def = n
	}
	return f.FlagSet.Int(name, def, usage+envNote(env))
}

// parse parses the flags; a bad flag or environment variable is reported
// in one line (the flag package prints the line and the usage).
func (f *flagSet) parse(args []string) error {
	if f.envErr != nil {
		return f.envErr
	}
	if err := f.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if f.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", f.Arg(0))
	}
	return nil
}

func envNote(env string) string {
	if env == "" {
		return ""
	}
	return " (env " + env + ")"
}

// newLogger returns the JSON logger on stderr.
func newLogger(stderr io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
	}
	return slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: l})), nil
}

// loadKnowledge loads the built-in value sets and the --valuesets overlay.
func loadKnowledge(dir string) (*rules.Knowledge, error) {
	if dir == "" {
		return rules.LoadKnowledge(nil)
	}
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("--valuesets: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("--valuesets: %s is not a directory", dir)
	}
	k, err := rules.LoadKnowledge(os.DirFS(dir))
	if err != nil {
		return nil, fmt.Errorf("--valuesets %s: %w", dir, err)
	}
	return k, nil
}

// loadRulesConfig is the rules' windows and thresholds: the defaults, with
// the --rules-config file's settings applied when one is given.
func loadRulesConfig(path string) (rules.Config, error) {
	if path == "" {
		return rules.DefaultConfig(), nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return rules.Config{}, fmt.Errorf("--rules-config: %w", err)
	}
	cfg, err := rules.ParseConfig(data, rules.DefaultConfig())
	if err != nil {
		return rules.Config{}, fmt.Errorf("--rules-config %s: %w", path, err)
	}
	return cfg, nil
}

// newEngine loads the value sets and the rules configuration.
func newEngine(valuesets, rulesConfig string) (*rules.Engine, *rules.Knowledge, error) {
	k, err := loadKnowledge(valuesets)
	if err != nil {
		return nil, nil, err
	}
	cfg, err := loadRulesConfig(rulesConfig)
	if err != nil {
		return nil, nil, err
	}
	e, err := rules.NewEngine(k, cfg)
	if err != nil {
		return nil, nil, err
	}
	return e, k, nil
}

func versionCmd(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("version", getenv, stderr)
	vs := fs.String("valuesets", "JAKGUARD_VALUESETS", "", "directory of ValueSet JSON files that add to or replace the built-in value sets")
	if err := fs.parse(args); err != nil {
		return err
	}
	k, err := loadKnowledge(*vs)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "jakguard %s\nCDS Hooks %s\nknowledge base %s\n", buildVersion(), specVersion, k.Revision())
	return nil
}

// buildVersion is the -ldflags version, else the VCS revision Go recorded.
func buildVersion() string {
	if version != "dev" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return "dev-" + s.Value[:12]
			}
		}
	}
	return version
}
