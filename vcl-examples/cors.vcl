# http-broadcast: PURGE and BAN from browser clients (an admin page on
# another origin), with CORS answered in VCL: the original's
# SERVER_CORS_ALLOWED_ORIGINS.
#
# A browser sends an OPTIONS preflight before a cross-origin PURGE or BAN;
# it is answered here, never sent to the backend, and only for the allowed
# origins.  The PURGE or BAN itself is then published as in purge-ban.vcl,
# and its answer carries Access-Control-Allow-Origin so the page can read
# it.  CORS is no access control: the purgers ACL still decides.
#
# Adjust: allowed origins (a regex on the whole Origin header), backend,
# ACLs, hub endpoint and JWT key (or token).

vcl 4.1;

import broadcast;
import std;

backend default {
	.host = "127.0.0.1";
	.port = "8080";
}

acl purgers {
	"127.0.0.1";
	"::1";
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
	    timeout = 2s,
	    # Replays are no browsers: the CORS headers stay here.
	    exclude_headers = "Authorization, Cookie, Proxy-Authorization, Origin, X-Cors-Origin");
}

sub vcl_recv {
	# Set only by this VCL.
	unset req.http.X-Cors-Origin;
	if (req.http.Origin ~ "^https://(admin|cms)\.example\.com$") {
		set req.http.X-Cors-Origin = req.http.Origin;
	}
	if (req.method == "OPTIONS" && req.http.Access-Control-Request-Method) {
		if (!req.http.X-Cors-Origin) {
			return (synth(403, "Origin not allowed"));
		}
		if (req.http.Access-Control-Request-Method !~ "^(PURGE|BAN)$") {
			return (synth(403, "Method not allowed"));
		}
		return (synth(204, "Preflight"));
	}
	if (req.method == "PURGE" || req.method == "BAN") {
		call broadcast_recv;
	}
	# Everything else: the built-in vcl_recv.
}

sub broadcast_recv {
	if (hub.is_replay()) {
		if (client.ip !~ broadcast_helper) {
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

sub vcl_synth {
	if (req.http.X-Cors-Origin) {
		set resp.http.Access-Control-Allow-Origin = req.http.X-Cors-Origin;
		set resp.http.Vary = "Origin";
		if (req.method == "OPTIONS" && resp.status == 204) {
			set resp.http.Access-Control-Allow-Methods = "PURGE, BAN";
			set resp.http.Access-Control-Allow-Headers =
			    "X-Ban-Url, xkey-purge, xkey-softpurge";
			set resp.http.Access-Control-Max-Age = "86400";
		}
	}
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
