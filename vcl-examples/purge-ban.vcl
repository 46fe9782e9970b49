# http-broadcast: PURGE and BAN, fleet-wide.
#
# A client on the "purgers" ACL sends PURGE <url> or BAN <path-prefix> (or
# BAN with an X-Ban-Url: <regex> header) to any node.  The node publishes it to the hub; the http-broadcast helper of
# every node (this one included) replays it to its own varnishd with the
# guard header, and only then is it applied.  So every node, the first one
# too, applies it exactly through the same path.
#
# Replays are accepted from the helper's address only (it runs beside
# varnishd, on loopback): the guard token alone is not a secret.
#
# Adjust: backend, ACLs, hub endpoint and JWT key (or token).

vcl 4.1;

import broadcast;
import std;

backend default {
	.host = "127.0.0.1";
	.port = "8080";
}

# Who may ask for a fleet-wide invalidation.
acl purgers {
	"127.0.0.1";
	"::1";
	"192.0.2.0"/24;
}

# Where the http-broadcast helper runs (beside varnishd).
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
	# Everything else: Varnish's built-in vcl_recv.
}

# Publishes a client's PURGE or BAN, or applies the helper's replay of one;
# always answers.
sub broadcast_recv {
	if (hub.is_replay()) {
		if (client.ip !~ broadcast_helper) {
			return (synth(403, "Replays are accepted from the helper only"));
		}
		call broadcast_gap;
		if (req.method == "BAN") {
			# BAN <url>: the URL is a regex on purpose, anchored at
			# the start: BAN /img/(a|b)\.jpg bans both images, and
			# BAN /news bans /news, /news/1, /newsletter...  A '.'
			# or '?' is a regex operator there: write \. and \?
			# for the characters.  An X-Ban-Url header gives the
			# whole regex instead.  (A PURGE's URL is literal: it
			# is the exact URL that was cached.)  The ban is
			# lurker-friendly: it matches obj.http.* only (see
			# vcl_backend_response), and this host's objects only.
			if (!req.http.X-Ban-Url) {
				set req.http.X-Ban-Url = "^" + req.url;
			}
			if (std.ban("obj.http.x-url ~ " + req.http.X-Ban-Url +
			    " && obj.http.x-host == " + req.http.host)) {
				return (synth(200, "Banned"));
			}
			return (synth(400, std.ban_error()));
		}
		return (purge);
	}
	if (client.ip !~ purgers) {
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
	# Keep what bans match on in the object, so the ban lurker can work.
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
