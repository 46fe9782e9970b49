#!/bin/sh
# Regenerate the build system: ./autogen.sh && ./configure && make check
set -e
cd "$(dirname "$0")"
mkdir -p build-aux m4
autoreconf -fi -I m4
