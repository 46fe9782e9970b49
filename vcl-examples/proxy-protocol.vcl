# http-broadcast: clients behind a load balancer or TLS terminator that
# speaks the PROXY protocol (haproxy, hitch, AWS NLB...), with a trusted-ip
# ACL: the original's SERVER_TRUSTED_IPS.
#
# varnishd listens twice:
#
#   varnishd -a :6081,PROXY -a helper=127.0.0.1:6091 ...
#
# and the helper replays to the second listener (AGENT_ENDPOINT=
# http://127.0.0.1:6091).  On a PROXY listener, client.ip and server.ip are
# the addresses the PROXY header claims; remote.ip and local.ip are those of
# the TCP connection.  varnishd accepts a PROXY header from anyone who can
# reach the listener, so the claimed address decides only when the peer
# (remote.ip) is a trusted proxy; otherwise the peer itself is the client.
#
# Replays are accepted on the helper's loopback listener only: no PROXY
# header can make a remote client look like the helper.
#
# Adjust: backend, ACLs, hub endpoint and JWT key (or token).

vcl 4.1;

import broadcast;
import std;

backend default {
	.host = "127.0.0.1";
	.port = "8080";
}

# Who may send PROXY headers (SERVER_TRUSTED_IPS).
acl trusted_proxies {
	"127.0.0.1";	# hitch or haproxy on this host
	"192.0.2.10";	# the load balancer
}

# Who may ask for a fleet-wide invalidation (addresses as the clients
# connect to the load balancer).
acl purgers {
	"192.0.2.0"/24;
}

acl broadcast_helper {
	"127.0.0.1";
	"::1";
}

sub vcl_init {
	new hub = broadcast.hub("http://127.0.0.1:3000/.well-known/mercure",
	    topic = "http-broadcast",
	    jwt_key = "!ChangeThisMercureHubJWTSecretKey!",
	    timeout = 2s);
}

sub vcl_recv {
	if (req.method == "PURGE" || req.method == "BAN") {
		call broadcast_recv;
	}
	# Everything else: the built-in vcl_recv.
}

sub broadcast_recv {
	if (hub.is_replay()) {
		if (local.socket != "helper" || remote.ip !~ broadcast_helper) {
			return (synth(403, "Replays are accepted from the helper only"));
		}
		call broadcast_gap;
		if (req.method == "BAN") {
			# The URL is a regex on purpose (BAN /img/(a|b)\.jpg),
			# anchored at the start, for this virtual host only.
			if (std.ban("obj.http.x-url ~ ^" + req.url +
			    " && obj.http.x-host == " + req.http.host)) {
				return (synth(200, "Banned"));
			}
			return (synth(400, std.ban_error()));
		}
		return (purge);
	}
	if (remote.ip ~ trusted_proxies) {
		if (client.ip !~ purgers) {
			return (synth(403, "Forbidden"));
		}
	} elsif (remote.ip !~ purgers) {
		return (synth(403, "Forbidden"));
	}
	if (hub.publish()) {
		return (synth(202, "Broadcast " + hub.id()));
	}
	if (hub.rejected()) {
		# the helpers would refuse it: sending it again will not help
		return (synth(400, "Not broadcast: " + hub.error()));
	}
	return (synth(503, "Broadcast failed: " + hub.error()));
}

sub vcl_backend_response {
	# What bans match on, kept in the object for the ban lurker.
	set beresp.http.x-url = bereq.url;
	set beresp.http.x-host = bereq.http.host;
}

sub vcl_deliver {
	unset resp.http.x-url;
	unset resp.http.x-host;
}

# The helper missed events (the hub's history no longer reached back to its
# cursor; HUB_GAP_ACTION=ban): objects cached now may be ones those events
# invalidated.  Ban them all; the ban is lurker-friendly (obj.* only).
sub broadcast_gap {
	if (req.method == "BAN" && req.http.X-HttpBroadcast-Gap) {
		if (std.ban("obj.status != 0")) {
			return (synth(200, "Banned everything: events were missed"));
		}
		return (synth(500, std.ban_error()));
	}
}
