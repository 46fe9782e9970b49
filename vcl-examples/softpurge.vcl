# http-broadcast: soft purge, fleet-wide, with Varnish's bundled vmod_purge.
#
# A hard purge drops the object: the next client waits for the backend, on
# every node of the fleet at once.  A soft purge only expires it: for the
# grace period the next client gets the stale copy at once while a
# background fetch brings the new one, so the origin sees one request per
# node instead of a stampede.
#
#   PURGE <url>                          soft purge (the default)
#   PURGE <url> + X-Purge-Mode: hard     hard purge
#
# As in purge-ban.vcl, a request is first published, and applied when the
# local helper replays it; replays are accepted from the helper's loopback
# address only.  vmod_purge comes with varnishd (Debian's varnish package).
#
# Adjust: backend, ACLs, hub endpoint and JWT key (or token), grace.

vcl 4.1;

import broadcast;
import std;
import purge;

backend default {
	.host = "127.0.0.1";
	.port = "8080";
}

acl purgers {
	"127.0.0.1";
	"::1";
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
	if (req.method == "PURGE" || (req.method == "BAN" &&
	    req.http.X-HttpBroadcast-Gap && hub.is_replay())) {
		call broadcast_recv;
	}
	# Everything else: the built-in vcl_recv.
}

sub broadcast_recv {
	if (!hub.is_replay()) {
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
	if (client.ip !~ broadcast_helper) {
		return (synth(403, "Replays are accepted from the helper only"));
	}
	call broadcast_gap;
	# vmod_purge works on the object found by the lookup: vcl_hit and
	# vcl_miss below (a miss still purges the other variants).
	return (hash);
}

sub broadcast_purge {
	if (req.method == "PURGE") {
		if (req.http.X-Purge-Mode == "hard") {
			return (synth(200, "Purged " + purge.hard()));
		}
		# ttl 0: expired now; grace and keep stay as they were.
		return (synth(200, "Soft-purged " + purge.soft(0s)));
	}
}

sub vcl_hit {
	call broadcast_purge;
}

sub vcl_miss {
	call broadcast_purge;
}

sub vcl_backend_response {
	# Soft purge is only as useful as the grace left to serve stale.
	if (beresp.grace < 1h) {
		set beresp.grace = 1h;
	}
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
