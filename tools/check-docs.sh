#!/bin/sh
#
# The docs against the code.  Settings (helper/tbl/settings.h, one row
# each): the reference table of docs/configuration.md is generated from
# the rows (tools/settings-docs.sh) and must be what they give now; every
# setting of --help must be in the OPTIONS of http-broadcast.rst, with
# the same option and default, and nothing else may be there; the few of
# README.md's tables must be settings with the defaults of --help.
# Metrics: every metric of /metrics (expanded from tbl/metrics.h) must be
# named in README.md, docs/operations.md and the METRICS of
# http-broadcast.rst.
#
# Why the reference is generated and the man page is not: the reference
# holds the rows' facts (type, bounds, default, roles, one line of help),
# which a copy by hand only gets wrong; the man page describes each
# setting at length, words worth writing by hand, and what must never
# differ there, the names and the defaults, is checked here.  The README
# keeps the settings a first run needs and links to the reference.
#
# A default is what --help shows as "default X)" at the end of a help
# line (X without spaces).  A setting without one (required, or computed
# like STATE_FILE's) only has to be documented.
#
# Run by the top directory's `make check`, with top_srcdir and
# top_builddir set; needs the built helper/http-broadcast,
# helper/test_settings and helper/test_metrics.

set -u
: "${top_srcdir:=.}"
: "${top_builddir:=$top_srcdir}"
readme=$top_srcdir/README.md
config=$top_srcdir/docs/configuration.md
ops=$top_srcdir/docs/operations.md
man=$top_srcdir/helper/http-broadcast.rst
tmp=${TMPDIR:-/tmp}/check-docs.$$
trap 'rm -f "$tmp".*' EXIT
fail=0

bad() {
	echo "check-docs: $*" >&2
	fail=1
}

# "NAME OPTION DEFAULT" a line, DEFAULT "-" when there is none.
"$top_builddir/helper/http-broadcast" --help | awk '
	/^  [A-Z][A-Z_]* +--[a-z-]+=/ {
		name = $1; opt = $2; sub(/=.*/, "", opt); next
	}
	name != "" {
		def = "-"
		if (match($0, /[ (]default [^ ()]+\)$/))
			def = substr($0, RSTART + 9, RLENGTH - 10)
		print name, opt, def
		name = ""
	}' > "$tmp.settings"
if [ "$(wc -l < "$tmp.settings")" -lt 10 ]; then
	bad "cannot read the settings from http-broadcast --help"
	exit 1
fi

# The helper's table in a markdown file, between two headings:
# "NAME DEFAULT-CELL" a line.
md_table() {
	awk -v from="$2" -v to="$3" '
		$0 == from { on = 1; next }
		$0 == to { on = 0 }
		on && /^\| `[A-Z][A-Z_]*` \|/ {
			split($0, c, "|")
			gsub(/^ +| +$/, "", c[2])
			gsub(/^ +| +$/, "", c[3])
			gsub(/`/, "", c[2])
			print c[2], (c[3] == "" ? "-" : c[3])
		}' "$1"
}

# The settings of the man page: "NAME OPTION DEFAULT-OR-NONE" a line, the
# default being the first "Default **X**" of its paragraph.
man_settings() {
	awk '
		function flush() {
			if (name == "")
				return
			def = "-"
			if (match(text, /Default +\*\*[^*]+\*\*/)) {
				def = substr(text, RSTART, RLENGTH)
				sub(/^Default +\*\*/, "", def)
				sub(/\*\*$/, "", def)
			}
			print name, opt, def
			name = ""
		}
		/^\*\*[A-Z][A-Z_]*\*\*, \*\*--[a-z-]+\*\*/ {
			flush()
			split($0, w, /\*\*/)
			name = w[2]; opt = w[4]; text = ""
			next
		}
		name != "" && /^    / { text = text " " $0; next }
		name != "" && !/^    / { flush() }
		END { flush() }' "$man"
}

md_table "$readme" "## The helper" "## The event" > "$tmp.readme"
man_settings > "$tmp.man"

"$top_srcdir"/tools/settings-docs.sh --check "$top_builddir/helper/test_settings" "$config" ||
    bad "docs/configuration.md: the settings reference is not generated from tbl/settings.h"

while read -r name opt def; do
	line=$(awk -v n="$name" '$1 == n { print; exit }' "$tmp.man")
	if [ -z "$line" ]; then
		bad "http-broadcast.rst: $name is not in OPTIONS"
		continue
	fi
	set -- $line
	[ "$2" = "$opt" ] || bad "http-broadcast.rst: $name: option $2, --help says $opt"
	if [ "$def" != "-" ] && [ "$3" != "$def" ]; then
		bad "http-broadcast.rst: $name: default $3, --help says $def"
	fi
done < "$tmp.settings"

# The README's few: settings, with the defaults of --help.
[ "$(wc -l < "$tmp.readme")" -ge 3 ] ||
    bad "README.md: cannot read the helper's settings table"
while read -r name cell; do
	def=$(awk -v n="$name" '$1 == n { print $3; exit }' "$tmp.settings")
	if [ -n "$def" ] && [ "$def" != "-" ] && [ "$cell" != "\`$def\`" ]; then
		bad "README.md: $name: default $cell, --help says $def"
	fi
done < "$tmp.readme"
grep -q "docs/configuration.md#helper-http-broadcast" "$readme" ||
    bad "README.md: no link to the settings reference of docs/configuration.md"

# Nothing documented that the daemon does not know.
for f in readme man; do
	while read -r name rest; do
		grep -q "^$name " "$tmp.settings" ||
		    bad "$f: $name is documented but not a setting (--help)"
	done < "$tmp.$f"
done

# Metrics: every name of /metrics, with or without its prefix.
"$top_builddir/helper/test_metrics" print |
    sed -n 's/^# TYPE http_broadcast_\([a-z_]*\) .*/\1/p' > "$tmp.metrics"
if [ "$(wc -l < "$tmp.metrics")" -lt 5 ]; then
	bad "cannot read the metrics from test_metrics print"
	exit 1
fi
while read -r m; do
	for doc in "$readme" "$ops"; do
		grep -Eq "\`(http_broadcast_)?$m\`" "$doc" ||
		    bad "${doc#"$top_srcdir"/}: metric $m is not documented"
	done
	grep -Eq "^\*\*$m\*\*$" "$man" ||
	    bad "http-broadcast.rst: metric $m is not in METRICS"
done < "$tmp.metrics"

exit $fail
