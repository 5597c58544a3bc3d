package main

import (
	"context"
	"fmt"
	"io"
	"reflect"
	"strings"
	"text/tabwriter"
	"time"

	"jakguard/rules"
)

// valuesetsCheckSetup loads an overlay directory as --valuesets does and
// prints, per value set, what it adds, keeps or (when replacing) drops.
// Errors are the start-up errors, one per line, and exit 1.
func valuesetsCheckSetup(fs *flagSet, sio stdio) func(context.Context) error {
	dir := fs.arg("DIR")
	return func(context.Context) error {
		k, err := loadKnowledge(dir())
		if err != nil {
			return err
		}
		builtin, err := rules.LoadKnowledge(nil)
		if err != nil {
			return err
		}
		writeOverlayChanges(sio.stdout, dir(), k, builtin)
		return nil
	}
}

func writeOverlayChanges(w io.Writer, dir string, k, builtin *rules.Knowledge) {
	changes := k.OverlayChanges()
	fmt.Fprintf(w, "overlay %s: valid, %d value set(s) changed; knowledge base %s\n", dir, len(changes), k.Revision())
	for _, ch := range changes {
		fmt.Fprintln(w)
		before := len(builtin.Codes(ch.ID))
		after := len(k.Codes(ch.ID))
		switch ch.Mode {
		case rules.OverlayReplace:
			fmt.Fprintf(w, "%s (%s) REPLACES the built-in set: %d codes before, %d after\n", ch.ID, ch.File, before, after)
		default:
			fmt.Fprintf(w, "%s (%s) adds to the built-in set: %d codes before, %d after\n", ch.ID, ch.File, before, after)
		}
		for _, c := range ch.Added {
			fmt.Fprintf(w, "  + code    %s|%s%s  (source %s, grade %s%s)\n", c.System, c.Code, display(c.Display), c.Source, c.Grade, unverified(c.Unverified))
		}
		for _, c := range ch.Kept {
			if ch.Mode == rules.OverlayReplace {
				fmt.Fprintf(w, "  = code    %s|%s  (built in too)\n", c.System, c.Code)
				continue
			}
			fmt.Fprintf(w, "  = code    %s|%s  already built in: kept with the built-in source and grade\n", c.System, c.Code)
		}
		for _, c := range ch.Removed {
			fmt.Fprintf(w, "  - code    %s|%s%s  (built-in, source %s, grade %s) no longer matches\n", c.System, c.Code, display(c.Display), c.Source, c.Grade)
		}
		for _, p := range ch.PatternsAdded {
			fmt.Fprintf(w, "  + pattern %s|%s  (source %s, grade %s%s)\n", p.System, p.Pattern, p.Source, p.Grade, unverified(p.Unverified))
		}
		for _, p := range ch.PatternsRemoved {
			fmt.Fprintf(w, "  - pattern %s|%s  (built-in) no longer matches\n", p.System, p.Pattern)
		}
		for _, t := range ch.TextAdded {
			fmt.Fprintf(w, "  + text    %q\n", t)
		}
		for _, t := range ch.TextRemoved {
			fmt.Fprintf(w, "  - text    %q  (built-in) no longer matches\n", t)
		}
		if len(ch.Added)+len(ch.PatternsAdded)+len(ch.TextAdded)+len(ch.Removed)+len(ch.PatternsRemoved)+len(ch.TextRemoved) == 0 {
			fmt.Fprintln(w, "  no change: everything in the file is built in already")
		}
	}
}

func display(d string) string {
	if d == "" {
		return ""
	}
	return fmt.Sprintf(" %q", d)
}

func unverified(u bool) string {
	if u {
		return ", flagged unverified"
	}
	return ""
}

// configCheckSetup parses a --rules-config file as serve does and prints
// every setting's effective value, marking those the file changed.
func configCheckSetup(fs *flagSet, sio stdio) func(context.Context) error {
	file := fs.arg("FILE")
	return func(context.Context) error {
		cfg, err := loadRulesConfig(file())
		if err != nil {
			return err
		}
		writeConfig(sio.stdout, file(), cfg)
		return nil
	}
}

func writeConfig(w io.Writer, file string, cfg rules.Config) {
	def := reflect.ValueOf(rules.DefaultConfig())
	got := reflect.ValueOf(cfg)
	var changed int
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SETTING\tVALUE\tDEFAULT\t")
	for _, f := range rules.ConfigFields() {
		v, d := got.FieldByName(f.Field), def.FieldByName(f.Field)
		mark := ""
		if !v.Equal(d) {
			mark = "changed"
			changed++
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", f.Name, configValue(v), configValue(d), mark)
	}
	fmt.Fprintf(w, "rules config %s: valid, %d setting(s) changed from the defaults\n\n", file, changed)
	tw.Flush()
}

func configValue(v reflect.Value) string {
	switch {
	case v.Type() == reflect.TypeFor[time.Duration]():
		return rules.FormatDuration(time.Duration(v.Int()), false)
	case v.Kind() == reflect.Int:
		return fmt.Sprint(v.Int())
	}
	return strings.TrimSuffix(fmt.Sprint(v.Float()), ".0")
}
