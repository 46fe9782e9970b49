# http-broadcast: PURGE and BAN, fleet-wide, and on request the per-node
# answer in the same request.
#
# As purge-ban.vcl, plus: a client that adds "X-Broadcast-Wait: 5s" to its
# PURGE or BAN gets, instead of the bare 202, the answer of this node's
# helper to "which nodes applied it?" (docs/reports.md), waiting up to that
# long:
#
#   200  every live node applied it
#   502  no node is pending and at least one failed (the body names it)
#   202  the wait ended with nodes still pending, or the helper started
#        listening too recently to know every node (Settled: false)
#   503  the helper does not listen to reports (REPORT_LISTEN=0), is not
#        subscribed to the report hub, knows no live node, or already has
#        256 requests waiting
#   504  the helper did not answer at all
#
# with a JSON body listing each node.  The event is published first: a
# client that stops waiting has still invalidated the fleet.  A waiting
# request holds a worker thread of this varnishd for up to the wait (60 s
# at most, checked below) plus 5 s: size thread_pool_max for the clients
# that wait at once.
#
# Needs, on this node, the helper with STATUS_ADDR=127.0.0.1:6901,
# REPORT_HUB_ENDPOINT and REPORT_LISTEN=1; every node's helper with
# REPORT_HUB_ENDPOINT, so that it reports.
#
# Adjust: backends, ACLs, hub endpoint and JWT key (or token).

vcl 4.1;

import broadcast;
import std;

backend default {
	.host = "127.0.0.1";
	.port = "8080";
}

# This node's helper: its status listener (STATUS_ADDR).
backend broadcast_status {
	.host = "127.0.0.1";
	.port = "6901";
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
# always answers, or passes to the helper for the per-node answer.
sub broadcast_recv {
	if (hub.is_replay()) {
		if (client.ip !~ broadcast_helper) {
			return (synth(403, "Replays are accepted from the helper only"));
		}
		call broadcast_gap;
		if (req.method == "BAN") {
			# See purge-ban.vcl: the URL is a regex anchored at
			# the start, or X-Ban-Url gives the whole regex.
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
	# Checked before publishing: a bad header publishes nothing.  What is
	# checked is the very text sent to the helper below (VCL prints -0s
	# as "-0.000", which the helper refuses), so that a wait accepted
	# here is one the helper accepts.
	if (req.http.X-Broadcast-Wait &&
	    ("" + std.duration(req.http.X-Broadcast-Wait, -1s) + "s" !~
	    "^[0-9]+([.][0-9]+)?s$" ||
	    std.duration(req.http.X-Broadcast-Wait, -1s) > 60s)) {
		return (synth(400, "X-Broadcast-Wait: a duration up to 60s, e.g. 5s"));
	}
	if (!hub.publish()) {
		if (hub.rejected()) {
			return (synth(400, "Not broadcast: " + hub.error()));
		}
		return (synth(503, "Broadcast failed: " + hub.error()));
	}
	if (!req.http.X-Broadcast-Wait) {
		return (synth(202, "Broadcast " + hub.id()));
	}
	# Ask this node's helper, by the EventID (the same on every hub).
	# The duration is written back as VCL prints it ("5.000") with its
	# unit: the helper reads Go durations.
	set req.http.X-Broadcast-Event = hub.event_id();
	set req.method = "GET";
	set req.url = "/events/" + hub.event_id() + "?wait=" +
	    std.duration(req.http.X-Broadcast-Wait, 0s) + "s";
	unset req.http.Cookie;
	unset req.http.Authorization;
	set req.backend_hint = broadcast_status;
	return (pass);
}

sub vcl_backend_fetch {
	if (bereq.backend == broadcast_status) {
		# The helper answers within the wait: give it a margin.
		set bereq.first_byte_timeout =
		    std.duration(bereq.http.X-Broadcast-Wait, 0s) + 5s;
		unset bereq.http.X-Broadcast-Wait;
	}
}

sub vcl_backend_response {
	if (bereq.backend == broadcast_status) {
		set beresp.http.X-Broadcast-Event = bereq.http.X-Broadcast-Event;
		return (deliver);
	}
	# Keep what bans match on in the object, so the ban lurker can work.
	set beresp.http.x-url = bereq.url;
	set beresp.http.x-host = bereq.http.host;
}

sub vcl_backend_error {
	if (bereq.backend == broadcast_status) {
		# Published, but no answer from the helper.
		set beresp.status = 504;
		set beresp.http.X-Broadcast-Event = bereq.http.X-Broadcast-Event;
		set beresp.http.Content-Type = "text/plain; charset=utf-8";
		set beresp.body = "Broadcast " + bereq.http.X-Broadcast-Event +
		    ", but the helper did not answer: see its STATUS_ADDR and REPORT_LISTEN" + {"
"};
		return (deliver);
	}
}

sub vcl_deliver {
	unset resp.http.x-url;
	unset resp.http.x-host;
}

# See purge-ban.vcl: after missed events, ban everything.
sub broadcast_gap {
	if (req.method == "BAN" && req.http.X-HttpBroadcast-Gap) {
		if (std.ban("obj.status != 0")) {
			return (synth(200, "Banned everything: events were missed"));
		}
		return (synth(500, std.ban_error()));
	}
}
