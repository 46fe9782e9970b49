#!/bin/sh
#
# settings-docs.sh [--check] TEST_SETTINGS [FILE]
#
# The settings reference of docs/configuration.md (FILE) is expanded from
# helper/tbl/settings.h: `TEST_SETTINGS reference` (helper/test_settings,
# built by `make -C helper check`) prints it, and this script puts it
# between the two marker lines of FILE.  With --check it changes nothing
# and fails when FILE holds another reference (check-docs.sh runs it so).
#
# Why generated: the reference is the table's facts (type, bounds,
# default, roles, one line of help), and a copy written by hand drifts.
# The man page's OPTIONS stay prose (check-docs.sh holds their names and
# defaults to --help), and the README shows the few settings a first run
# needs, linking here.

set -eu
check=0
if [ "${1:-}" = "--check" ]; then
	check=1
	shift
fi
[ $# -ge 1 ] || { echo "usage: $0 [--check] TEST_SETTINGS [FILE]" >&2; exit 2; }
bin=$1
file=${2:-$(dirname "$0")/../docs/configuration.md}
begin='<!-- settings reference: generated from helper/tbl/settings.h by tools/settings-docs.sh; do not edit -->'
end='<!-- end of the settings reference -->'
tmp=${TMPDIR:-/tmp}/settings-docs.$$
trap 'rm -f "$tmp".*' EXIT

"$bin" reference > "$tmp.ref"
if [ "$(grep -cxF "$begin" "$file")" != 1 ] || [ "$(grep -cxF "$end" "$file")" != 1 ]; then
	echo "settings-docs: $file lacks the marker lines of the reference" >&2
	exit 1
fi
awk -v b="$begin" -v e="$end" -v ref="$tmp.ref" '
	$0 == b { print; while ((getline l < ref) > 0) print l; skip = 1; next }
	$0 == e { skip = 0 }
	!skip { print }' "$file" > "$tmp.new"
if [ $check = 1 ]; then
	if ! cmp -s "$file" "$tmp.new"; then
		echo "settings-docs: the reference in $file is not that of helper/tbl/settings.h; run tools/settings-docs.sh helper/test_settings" >&2
		diff -u "$file" "$tmp.new" >&2 || true
		exit 1
	fi
	exit 0
fi
cat "$tmp.new" > "$file"
