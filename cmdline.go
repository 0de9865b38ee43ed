package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/tsheadroom/tsheadroom/internal/suggest"
)

// commands are the subcommands, for suggestions on a mistyped one.
var commands = []string{"compress", "version", "help"}

// cmdline is the one command-line parser of the binary and its
// subcommands, on top of the standard flag package: flags may follow
// positional arguments (`compress FILE -q`), every flag may also come
// from a TSHEADROOM_* environment variable (the command line wins), an
// unknown flag is one line naming the nearest known one, and -h prints
// the usage, with each flag's variable, on stdout.
type cmdline struct {
	name     string // "tsheadroom", "tsheadroom compress", ...
	synopsis string // usage lines and a description, printed before the flags
	fs       *flag.FlagSet
	// envPrefix names the variables: TSHEADROOM_ for the service and the
	// flags a subcommand shares with it, TSHEADROOM_<SUBCOMMAND>_ for a
	// subcommand's own.
	envPrefix string
	env       map[string][]string // flag -> its variables, first is the main one
	aliases   map[string]string   // alias -> flag it stands for
	// fromEnv and fromArgs record the flags set by a variable or on the
	// command line, for defaults that depend on whether a flag was given.
	fromEnv, fromArgs map[string]bool
}

func newCmdline(name, envPrefix, synopsis string) *cmdline {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are worded here, usage printed on -h only
	return &cmdline{name: name, synopsis: synopsis, fs: fs, envPrefix: envPrefix,
		env: map[string][]string{}, aliases: map[string]string{}, fromEnv: map[string]bool{}, fromArgs: map[string]bool{}}
}

// envName is a flag's variable: the prefix, then the name in upper case
// with dashes as underscores.
func envName(prefix, flagName string) string {
	return prefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// shared gives the flags registered by fn the service's variables
// (TSHEADROOM_<NAME>) whatever the command's own prefix.
func (c *cmdline) shared(fn func(fs *flag.FlagSet)) {
	before := map[string]bool{}
	c.fs.VisitAll(func(f *flag.Flag) { before[f.Name] = true })
	fn(c.fs)
	c.fs.VisitAll(func(f *flag.Flag) {
		if !before[f.Name] {
			c.env[f.Name] = []string{envName("TSHEADROOM_", f.Name)}
		}
	})
}

// envAlias adds another variable for a flag (TS_AUTHKEY for -authkey),
// read when the main one is not set.
func (c *cmdline) envAlias(flagName, variable string) {
	c.env[flagName] = append(c.vars(flagName), variable)
}

// envRename gives a flag another main variable than the one its name
// makes (-v is TSHEADROOM_VERBOSE).
func (c *cmdline) envRename(flagName, variable string) { c.env[flagName] = []string{variable} }

// noEnv leaves a flag without a variable (-version: a variable that makes
// the service print its version and exit would be a trap).
func (c *cmdline) noEnv(flagName string) { c.env[flagName] = []string{} }

// vars returns the variables of a flag.
func (c *cmdline) vars(flagName string) []string {
	if v, ok := c.env[flagName]; ok {
		return v
	}
	return []string{envName(c.envPrefix, flagName)}
}

// alias registers name as another spelling of the flag canonical.
func (c *cmdline) alias(name, canonical string) {
	f := c.fs.Lookup(canonical)
	// The alias shares the flag's Value, so a boolean flag's alias is
	// boolean too (flag asks the Value).
	c.fs.Var(f.Value, name, "alias of -"+canonical)
	c.aliases[name] = canonical
}

// set reports whether the flag (or one of its aliases) was given on the
// command line or by its variable.
func (c *cmdline) set(name string) bool { return c.fromArgs[name] || c.fromEnv[name] }

// usageError is a command-line mistake: exit status 2, one line.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// parse applies the variables, then the arguments, and returns the
// positional arguments. Flags and positional arguments may come in any
// order; "--" ends the flags. On -h it returns flag.ErrHelp.
func (c *cmdline) parse(args []string, lookupEnv func(string) (string, bool)) ([]string, error) {
	var envErr error
	c.fs.VisitAll(func(f *flag.Flag) {
		if _, isAlias := c.aliases[f.Name]; isAlias || envErr != nil {
			return
		}
		for _, v := range c.vars(f.Name) {
			val, ok := lookupEnv(v)
			if !ok {
				continue
			}
			if err := f.Value.Set(val); err != nil {
				if val == "" {
					// An empty variable (compose passes unset ones so)
					// means unset for a flag that takes no empty value.
					continue
				}
				envErr = usagef("%s=%q (for -%s): %v", v, val, f.Name, err)
				return
			}
			c.fromEnv[f.Name] = true
			break
		}
	})
	if envErr != nil {
		return nil, envErr
	}
	var pos []string
	for {
		err := c.fs.Parse(args)
		if err != nil {
			return nil, c.wordError(err)
		}
		rest := c.fs.Args()
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			pos = append(pos, rest...)
			break
		}
		if len(rest) == 0 {
			break
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
	c.fs.Visit(func(f *flag.Flag) {
		name := f.Name
		if canonical, ok := c.aliases[name]; ok {
			name = canonical
		}
		c.fromArgs[name] = true
	})
	return pos, nil
}

// wordError turns the flag package's errors into one line naming the
// nearest known flag.
func (c *cmdline) wordError(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return err
	}
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		name = strings.TrimPrefix(name, "-")
		return usagef("unknown flag -%s (did you mean -%s?)", name, suggest.Nearest(name, c.flagNames()))
	}
	return usagef("%s", msg)
}

func (c *cmdline) flagNames() []string {
	var out []string
	c.fs.VisitAll(func(f *flag.Flag) { out = append(out, f.Name) })
	return out
}

// printUsage writes the synopsis, every flag with its default and
// variable (and whether the variable is set now), then the aliases.
func (c *cmdline) printUsage(w io.Writer, lookupEnv func(string) (string, bool)) {
	fmt.Fprint(w, c.synopsis)
	fmt.Fprint(w, "\nflags (each may also be set by the environment variable shown; the command line wins):\n")
	var aliases []string
	c.fs.VisitAll(func(f *flag.Flag) {
		if canonical, ok := c.aliases[f.Name]; ok {
			aliases = append(aliases, fmt.Sprintf("  -%s is -%s\n", f.Name, canonical))
			return
		}
		typ, usage := flag.UnquoteUsage(f)
		line := "  -" + f.Name
		if typ != "" {
			line += " " + typ
		}
		fmt.Fprintln(w, line)
		usage = strings.ReplaceAll(usage, "\n", "\n    \t")
		fmt.Fprintf(w, "    \t%s", usage)
		if !slices.Contains([]string{"", "false", "0", "0s"}, f.DefValue) {
			fmt.Fprintf(w, " (default %s)", f.DefValue)
		}
		vars := c.vars(f.Name)
		if len(vars) > 0 {
			fmt.Fprintf(w, "\n    \tenv %s", strings.Join(vars, ", "))
			for _, v := range vars {
				if _, ok := lookupEnv(v); ok {
					fmt.Fprintf(w, " (%s is set)", v)
					break
				}
			}
		}
		fmt.Fprintln(w)
	})
	if len(aliases) > 0 {
		slices.Sort(aliases)
		fmt.Fprint(w, "\nthe original tsheadroom's flag names, accepted as aliases:\n")
		for _, a := range aliases {
			fmt.Fprint(w, a)
		}
	}
}

// run parses args for a command and handles what every command does the
// same way: -h prints the usage on stdout (exit 0), a mistake prints one
// line on stderr (exit 2). It returns the positional arguments and
// whether the command should go on; when not, code is the exit status.
func (c *cmdline) run(args []string, stdout, stderr io.Writer) (pos []string, code int, ok bool) {
	pos, err := c.parse(args, os.LookupEnv)
	switch {
	case errors.Is(err, flag.ErrHelp):
		c.printUsage(stdout, os.LookupEnv)
		return nil, 0, false
	case err != nil:
		fmt.Fprintf(stderr, "%s: %v (see: %s -h)\n", c.name, err, c.name)
		return nil, 2, false
	}
	return pos, 0, true
}

// unknownCommand words a positional argument the service does not take:
// a mistyped subcommand, or a file meant for compress.
func unknownCommand(arg string) error {
	near := suggest.Nearest(arg, commands)
	if suggest.Distance(arg, near) <= 2 && !strings.ContainsAny(arg, "./") {
		return usagef("unknown command %q (did you mean %q?)", arg, near)
	}
	return usagef("unexpected argument %q: the service takes flags only (commands: %s; to run the hook on a saved call: tsheadroom compress FILE)", arg, strings.Join(commands, ", "))
}
