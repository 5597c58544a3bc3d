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

// errUsage marks an error in how jakguard was called (bad flag, unknown
// command): exit status 2 instead of 1. Make one with usagef.
var errUsage = errors.New("usage")

type usageError struct{ error }

func (usageError) Is(target error) bool { return target == errUsage }

// usagef is a usage error (exit status 2) with the given message.
func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// stdin is what commands reading "-" read (token inspect).
var stdin io.Reader = os.Stdin

// stdio is what a command writes to and reads its environment from.
type stdio struct {
	getenv         func(string) string
	stdout, stderr io.Writer
}

// command is one jakguard command. setup declares its flags and positional
// arguments on fs and returns the function that runs it once fs is parsed;
// help calls setup only to list the flags. A command that parses its own
// flags (serve: parseServe) has direct instead, which help calls with -h.
type command struct {
	name    string // "serve", "token mint"
	args    string // positional arguments for the usage line, e.g. "DIR"
	summary string
	setup   func(fs *flagSet, sio stdio) func(ctx context.Context) error
	direct  func(ctx context.Context, args []string, sio stdio) error
}

// commands lists every command in the order of the help.
func commands() []command {
	return []command{
		{name: "serve", summary: "run the CDS Hooks service (the default command)", direct: func(ctx context.Context, args []string, sio stdio) error {
			return serve(ctx, args, sio.getenv, sio.stderr)
		}},
		{name: "eval", summary: "evaluate one hook request file offline and print the response JSON", setup: evalSetup},
		{name: "report", summary: "feedback analytics per finding code, from the store", setup: reportSetup},
		{name: "version", summary: "print the version, the CDS Hooks spec version and the knowledge-base revision", setup: versionSetup},
		{name: "healthcheck", summary: "ask a running service for /healthz; exit 0 when it answers 200 (the container's health check)", setup: healthcheckSetup},
		{name: "valuesets check", args: "DIR", summary: "check a --valuesets overlay directory and print what it changes in each value set", setup: valuesetsCheckSetup},
		{name: "config check", args: "FILE", summary: "check a --rules-config file and print every effective setting", setup: configCheckSetup},
		{name: "token mint", summary: "sign a development JWT for one service URL (--new-key also writes the signing key, its JWKS and a clients-file entry)", setup: tokenMintSetup},
		{name: "token inspect", args: "TOKEN", summary: "check a JWT against a clients file for one URL as the service would, and say which check fails and why", setup: tokenInspectSetup},
	}
}

// run is the whole program; main only wires the process to it, so tests
// call it with their own arguments, environment and outputs.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	err := dispatch(ctx, args, stdio{getenv: getenv, stdout: stdout, stderr: stderr})
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	}
	for _, line := range strings.Split(err.Error(), "\n") {
		fmt.Fprintln(stderr, "jakguard:", line)
	}
	if errors.Is(err, errUsage) {
		return 2
	}
	return 1
}

func dispatch(ctx context.Context, args []string, sio stdio) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") && !isHelp(args[0]) {
		return runCommand(ctx, findCommand("serve"), args, sio)
	}
	if isHelp(args[0]) || args[0] == "help" {
		return help(args[1:], sio.stdout)
	}
	name := args[0]
	if c := findCommand(name); c != nil {
		return runCommand(ctx, c, args[1:], sio)
	}
	var subs []string
	for _, c := range commands() {
		if group, sub, ok := strings.Cut(c.name, " "); ok && group == name {
			subs = append(subs, sub)
			if len(args) > 1 && args[1] == sub {
				return runCommand(ctx, &c, args[2:], sio)
			}
		}
	}
	if len(subs) > 0 {
		return usagef("%s: want %s (jakguard help %s)", name, strings.Join(subs, " or "), name)
	}
	return usagef("unknown command %q; jakguard help lists the commands", name)
}

func isHelp(a string) bool { return a == "-h" || a == "-help" || a == "--help" }

func findCommand(name string) *command {
	for _, c := range commands() {
		if c.name == name {
			return &c
		}
	}
	return nil
}

func runCommand(ctx context.Context, c *command, args []string, sio stdio) error {
	for _, a := range args {
		if a == "--" {
			break
		}
		if isHelp(a) {
			commandUsage(sio.stdout, *c)
			return flag.ErrHelp
		}
	}
	if c.direct != nil {
		return c.direct(ctx, args, sio)
	}
	fs := newFlagSet(c.name, sio.getenv, nil)
	exec := c.setup(fs, sio)
	if err := fs.parse(args); err != nil {
		return err
	}
	return exec(ctx)
}

// help prints every command with its flags, or those of the commands named.
func help(args []string, w io.Writer) error {
	if len(args) > 0 {
		name := strings.Join(args, " ")
		var found bool
		for _, c := range commands() {
			if c.name == name || strings.HasPrefix(c.name, name+" ") {
				commandUsage(w, c)
				found = true
			}
		}
		if !found {
			return usagef("unknown command %q; jakguard help lists the commands", name)
		}
		return nil
	}
	fmt.Fprintf(w, "jakguard %s: CDS Hooks %s decision support for upadacitinib and abrocitinib.\n\n", buildVersion(), specVersion)
	fmt.Fprintln(w, "usage: jakguard [COMMAND] [flags]    (no command: serve)")
	fmt.Fprintln(w, "       jakguard help [COMMAND]       (one command's flags; also jakguard COMMAND -h)")
	fmt.Fprintln(w, "\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-22s %s\n", strings.TrimSpace(c.name+" "+c.args), c.summary)
	}
	fmt.Fprintln(w, "\nA flag with \"(env NAME)\" also reads that environment variable; the flag wins.")
	for _, c := range commands() {
		fmt.Fprintln(w)
		commandUsage(w, c)
	}
	return nil
}

// commandUsage prints one command's usage line, summary and flags.
func commandUsage(w io.Writer, c command) {
	noEnv := func(string) string { return "" }
	var (
		fs    *flagSet
		flags bool
	)
	if c.setup != nil {
		fs = newFlagSet(c.name, noEnv, nil)
		c.setup(fs, stdio{getenv: noEnv, stdout: io.Discard, stderr: io.Discard})
		fs.VisitAll(func(*flag.Flag) { flags = true })
	}
	fmt.Fprint(w, "jakguard "+c.name)
	if flags || c.direct != nil {
		fmt.Fprint(w, " [flags]")
	}
	if c.args != "" {
		fmt.Fprint(w, " "+c.args)
	}
	fmt.Fprintf(w, "\n  %s\n", c.summary)
	if c.direct != nil {
		_ = c.direct(context.Background(), []string{"-h"}, stdio{getenv: noEnv, stdout: w, stderr: w})
		return
	}
	fs.SetOutput(w)
	fs.PrintDefaults()
}

// flagSet is a FlagSet whose defaults come from the environment, so that
// a flag beats its environment variable, which beats the built-in default.
// It also takes positional arguments, before or after the flags.
type flagSet struct {
	*flag.FlagSet
	name   string
	getenv func(string) string
	envErr error
	out    io.Writer // where -h prints the flags (nil: nowhere)
	// want names the positional arguments the command takes ("DIR");
	// positional holds them after parse.
	want       []string
	positional []string
}

// newFlagSet returns a flag set; out, if not nil, receives the flag list
// when -h is parsed.
func newFlagSet(name string, getenv func(string) string, out io.Writer) *flagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // parse errors are returned as one line
	fs.Usage = func() {}
	return &flagSet{FlagSet: fs, name: name, getenv: getenv, out: out}
}

// arg declares a required positional argument and returns where it lands.
func (f *flagSet) arg(name string) func() string {
	i := len(f.want)
	f.want = append(f.want, name)
	return func() string { return f.positional[i] }
}

func (f *flagSet) env(env string) (string, bool) {
	if env == "" {
		return "", false
	}
	v := f.getenv(env)
	return v, v != ""
}

func (f *flagSet) String(name, env, def, usage string) *string {
	if v, ok := f.env(env); ok {
		def = v
	}
	return f.FlagSet.String(name, def, usage+envNote(env))
}

func (f *flagSet) Bool(name, env string, def bool, usage string) *bool {
	if v, ok := f.env(env); ok {
		b, err := strconv.ParseBool(v)
		if err != nil && f.envErr == nil {
			f.envErr = fmt.Errorf("%s=%q is not a boolean", env, v)
		}
		def = b
	}
	return f.FlagSet.Bool(name, def, usage+envNote(env))
}

func (f *flagSet) Duration(name, env string, def time.Duration, usage string) *time.Duration {
	if v, ok := f.env(env); ok {
		d, err := time.ParseDuration(v)
		if err != nil && f.envErr == nil {
			f.envErr = fmt.Errorf("%s=%q is not a duration", env, v)
		}
		def = d
	}
	return f.FlagSet.Duration(name, def, usage+envNote(env))
}

func (f *flagSet) Int(name, env string, def int, usage string) *int {
	if v, ok := f.env(env); ok {
		n, err := strconv.Atoi(v)
		if err != nil && f.envErr == nil {
			f.envErr = fmt.Errorf("%s=%q is not a whole number", env, v)
		}
		def = n
	}
	return f.FlagSet.Int(name, def, usage+envNote(env))
}

// parse parses the flags and the positional arguments, which may come
// before, between or after the flags. A bad flag or environment variable
// is reported in one line.
func (f *flagSet) parse(args []string) error {
	if f.envErr != nil {
		return f.envErr
	}
	for {
		if err := f.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				if f.out != nil {
					f.SetOutput(f.out)
					f.PrintDefaults()
					f.SetOutput(io.Discard)
				}
				return err
			}
			return usagef("%s: %v (jakguard help %s lists the flags)", f.name, err, f.name)
		}
		args = f.Args()
		if len(args) == 0 {
			break
		}
		f.positional = append(f.positional, args[0])
		args = args[1:]
	}
	switch {
	case len(f.positional) > len(f.want):
		return usagef("%s: unexpected argument %q", f.name, f.positional[len(f.want)])
	case len(f.positional) < len(f.want):
		return usagef("%s: missing %s (usage: jakguard %s %s)", f.name, f.want[len(f.positional)], f.name, strings.Join(f.want, " "))
	}
	return nil
}

func envNote(env string) string {
	if env == "" {
		return ""
	}
	return " (env " + env + ")"
}

// durationValue is a flag holding a duration in days ("30d"), weeks
// ("12w") or Go's units ("720h"), as in the rules configuration.
type durationValue struct{ d *time.Duration }

func (v durationValue) String() string {
	if v.d == nil || *v.d == 0 {
		return "0"
	}
	return rules.FormatDuration(*v.d, false)
}

func (v durationValue) Set(s string) error {
	d, err := rules.ParseDuration(s)
	if err != nil {
		return errors.New("want a duration such as 30d, 12w or 720h")
	}
	*v.d = d
	return nil
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

func versionSetup(fs *flagSet, sio stdio) func(context.Context) error {
	vs := fs.String("valuesets", "JAKGUARD_VALUESETS", "", "directory of ValueSet JSON files that add to (or replace) built-in value sets; its hash is part of the revision")
	return func(context.Context) error {
		k, err := loadKnowledge(*vs)
		if err != nil {
			return err
		}
		fmt.Fprintf(sio.stdout, "jakguard %s\nCDS Hooks %s\nknowledge base %s\n", buildVersion(), specVersion, k.Revision())
		return nil
	}
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
