#!/bin/sh
# A throw-away PKI for the TLS tests, made with the openssl command line in
# the test's own directory (never committed; keys are worthless outside it).
#
#   pki.sh DIR
#
# DIR/ca.pem          the private CA the hub's certificates come from
# DIR/hub.pem .key    the hub: DNS:localhost, DNS:hub.test, IP:::1; not
#                     127.0.0.1, so https://127.0.0.1:PORT is a wrong name
# DIR/expired.pem .key  the same names, expired yesterday
# DIR/other-ca.pem    a CA that signed none of the hub's certificates
# DIR/ca2.pem, DIR/hub2.pem .key   a second CA and hub certificate (rotation)
# DIR/client-ca.pem   the CA the hub wants client certificates from
# DIR/client.pem .key   CN=node-1 from client-ca
# DIR/client2.pem .key  CN=node-2 from client-ca (a renewed certificate)
# DIR/rogue.pem .key    CN=rogue from other-ca (refused by the hub)
# DIR/proxy.pem .key    the TLS proxy in front of the hub (same names as hub)
set -eu
d=$1
mkdir -p "$d"
cd "$d"

key() { # name
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
	    -out "$1.key" 2>/dev/null
}

ca() { # name CN
	key "$1"
	openssl req -x509 -new -key "$1.key" -subj "/CN=$2" -days 2 \
	    -addext basicConstraints=critical,CA:TRUE \
	    -addext keyUsage=critical,keyCertSign,cRLSign -out "$1.pem"
}

# The validity of an expired certificate: OpenSSL 3.4 and later (Debian
# 13) refuse "-days -1" and have -not_before/-not_after, 3.0 (Debian 12)
# takes "-days -1" and lacks them.
if openssl x509 -help 2>&1 | grep -q -- -not_after; then
	expired="-not_before $(date -u -d '-2 days' +%Y%m%d%H%M%SZ)"
	expired="$expired -not_after $(date -u -d '-1 day' +%Y%m%d%H%M%SZ)"
else
	expired="-days -1"
fi

cert() { # name CN ca validity [extensions]
	key "$1"
	openssl req -new -key "$1.key" -subj "/CN=$2" -out "$1.csr"
	printf '%s\n' "${5:-basicConstraints=CA:FALSE}" > "$1.ext"
	# shellcheck disable=SC2086 # the validity is several words
	openssl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" \
	    -CAcreateserial $4 -extfile "$1.ext" -out "$1.pem" \
	    2>/dev/null
	rm -f "$1.csr" "$1.ext"
}

server_ext='basicConstraints=CA:FALSE
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,DNS:hub.test,IP:::1'
client_ext='basicConstraints=CA:FALSE
extendedKeyUsage=clientAuth'

ca ca "Test hub CA"
ca other-ca "Another CA"
ca ca2 "Test hub CA 2"
ca client-ca "Test client CA"
cert hub localhost ca "-days 2" "$server_ext"
cert expired localhost ca "$expired" "$server_ext"
cert hub2 localhost ca2 "-days 2" "$server_ext"
cert proxy localhost ca "-days 2" "$server_ext"
cert client node-1 client-ca "-days 2" "$client_ext"
cert client2 node-2 client-ca "-days 2" "$client_ext"
cert rogue rogue other-ca "-days 2" "$client_ext"
# varnishd's worker may run as another user: it reads these.
chmod a+r ./*.pem ./*.key
