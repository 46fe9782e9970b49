#!/bin/sh
#
# The docs against the code: every setting that --help lists (expanded
# from tbl/settings.h) must be in the helper's table of README.md and of
# docs/configuration.md and in the OPTIONS of http-broadcast.rst, with the
# same default, and nothing else may be there; every metric of /metrics
# (expanded from tbl/metrics.h) must be named in README.md,
# docs/operations.md and the METRICS of http-broadcast.rst.
#
# Why a check and not generated docs: each of these documents describes a
# setting at its own length (a table cell, a man page paragraph), and
# those words are worth writing by hand.  What must never differ, the
# names and the defaults, is one fact in the tables; this test fails,
# naming the file and the setting, when a document says otherwise.
#
# A default is what --help shows as " (default X)" at the end of a help
# line (X without spaces).  A setting without one (required, or computed
# like STATE_FILE's) only has to be documented.
#
# Run by the top directory's `make check`, with top_srcdir and
# top_builddir set; needs the built helper/http-broadcast and
# helper/test_metrics.

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
	/^  [A-Z][A-Z_]* +--[a-z-]+$/ { name = $1; opt = $2; next }
	name != "" {
		def = "-"
		if (match($0, / \(default [^ ()]+\)$/))
			def = substr($0, RSTART + 10, RLENGTH - 11)
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
md_table "$config" "## Helper: \`http-broadcast\`" "## varnishd" > "$tmp.config"
man_settings > "$tmp.man"

while read -r name opt def; do
	for f in readme config; do
		doc=$([ $f = readme ] && echo README.md || echo docs/configuration.md)
		cell=$(awk -v n="$name" '$1 == n { $1 = ""; print substr($0, 2); exit }' "$tmp.$f")
		if [ -z "$cell" ]; then
			bad "$doc: $name is not in the helper's table"
		elif [ "$def" != "-" ] && [ "$cell" != "\`$def\`" ]; then
			bad "$doc: $name: default $cell, --help says $def"
		fi
	done
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

# Nothing documented that the daemon does not know.
for f in readme config man; do
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
