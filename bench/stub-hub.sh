# Sourced by the publish benchmarks (publish.sh, server.sh, multihub.sh):
# what they all need to stand up a hub and talk to it.

# A free TCP port on 127.0.0.1.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# A publisher JWT (HS256, topic http-broadcast, 1 h) for key $1, as the
# VMOD mints it: what a bare POST to the development hub carries.
publisher_jwt() {
	python3 - "$1" <<'PY'
import base64, hashlib, hmac, json, sys, time
b = lambda d: base64.urlsafe_b64encode(d).rstrip(b"=").decode()
h = b(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
p = b(json.dumps({"exp": int(time.time()) + 3600,
                  "mercure": {"publish": ["http-broadcast"]}}).encode())
s = b(hmac.new(sys.argv[1].encode(), (h + "." + p).encode(), hashlib.sha256).digest())
print(h + "." + p + "." + s)
PY
}

# The VCL of the stub hub into file $1: a varnishd that answers every
# POST 200 with an id, so that a figure shows the publisher's cost and
# not a hub's.
stub_hub_vcl() {
	cat >"$1" <<'VCL'
vcl 4.1;
backend none none;
sub vcl_recv { return (synth(200)); }
sub vcl_synth {
	set resp.http.content-type = "text/plain";
	set resp.body = "urn:uuid:6a4f0e0c-1f7e-4e7b-9a55-0c5a1d2b3c4d";
	return (deliver);
}
VCL
}
