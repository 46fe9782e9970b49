#!/bin/sh
# A TLS proxy in front of the development hub, as a load balancer or the
# hub's own HTTP/2 front would be: nghttpx (Debian's nghttp2-proxy).
#
#   nghttpx.sh PORTFILE BACKEND_PORT PKIDIR LOGDIR h2|http/1.1 [nghttpx options...]
#
# Picks a free loopback port, writes it to PORTFILE, then becomes nghttpx
# (exec: the test stops it by its pid).  Its certificate is PKIDIR/proxy.pem
# (names localhost, ::1; from PKIDIR/ca.pem).  h2 offers HTTP/2 then
# HTTP/1.1 by ALPN; http/1.1 offers HTTP/1.1 only.  Logs at INFO level in
# LOGDIR/nghttpx.log (a "Time out" line for each idle connection it
# closes), requests in LOGDIR/access.log.
set -eu
portfile=$1 backend=$2 pki=$3 logs=$4 alpn=$5
shift 5
command -v nghttpx >/dev/null || { echo "nghttpx.sh: nghttpx not found (Debian package nghttp2-proxy)" >&2; exit 1; }
case $alpn in
h2) npn=h2,http/1.1 ;;
http/1.1) npn=http/1.1 ;;
*) echo "nghttpx.sh: h2 or http/1.1, not $alpn" >&2; exit 2 ;;
esac
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
echo "$port" > "$portfile.tmp"
mv "$portfile.tmp" "$portfile"
# --conf=/dev/null: not the system's /etc/nghttpx/nghttpx.conf.
exec nghttpx --conf=/dev/null --workers=1 --no-ocsp \
    --frontend="127.0.0.1,$port" --backend="127.0.0.1,$backend" \
    --npn-list="$npn" --log-level=INFO \
    --errorlog-file="$logs/nghttpx.log" --accesslog-file="$logs/access.log" \
    "$@" "$pki/proxy.key" "$pki/proxy.pem"
