# http-broadcast: tag invalidation, fleet-wide, with xkey (varnish-modules).
#
# Backends tag their responses; a client invalidates every object of a tag
# on every node with one request to any node.  Understood here:
#
#   PURGE  + xkey-purge: k1 k2           hard purge of every object with a key
#   PURGE  + xkey-softpurge: k1 k2       soft purge (serve stale while refetching)
#   BAN    + X-Cache-Tags: <regex>       FOSHttpCache (tags in X-Cache-Tags)
#   PURGE  + X-Magento-Tags-Pattern: <regex>   Magento 2
#   BAN    + Cache-Tags: <regex>         Drupal purge (varnish_purger)
#
# Objects carry their keys in xkey (or Surrogate-Key, xkey's other header),
# and their tags in the header each framework uses; the regex forms become
# lurker-friendly obj.http bans.  As in purge-ban.vcl, a request is first
# published, and applied when the local helper replays it.
#
# Needs Debian's varnish-modules (vmod xkey).  Adjust addresses and keys.

vcl 4.1;

import broadcast;
import std;
import xkey;

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
	if (req.method == "PURGE" || req.method == "BAN") {
		call broadcast_recv;
	}
	# Everything else: Varnish's built-in vcl_recv.
}

# Publishes a client's PURGE or BAN, or applies the helper's replay of one;
# always answers.
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
	call broadcast_apply_tags;
	return (synth(400, "No tag header to invalidate"));
}

# Applies a replayed tag invalidation and answers; falls through when the
# request names no tag.
sub broadcast_apply_tags {
	if (req.http.xkey-purge) {
		return (synth(200, "Purged " + xkey.purge(req.http.xkey-purge)));
	}
	if (req.http.xkey-softpurge) {
		return (synth(200, "Soft-purged " + xkey.softpurge(req.http.xkey-softpurge)));
	}
	if (req.http.X-Magento-Tags-Pattern) {
		ban("obj.http.X-Magento-Tags ~ " + req.http.X-Magento-Tags-Pattern);
		return (synth(200, "Banned"));
	}
	if (req.method == "BAN" && req.http.X-Cache-Tags) {
		ban("obj.http.X-Cache-Tags ~ " + req.http.X-Cache-Tags);
		return (synth(200, "Banned"));
	}
	if (req.method == "BAN" && req.http.Cache-Tags) {
		ban("obj.http.Cache-Tags ~ " + req.http.Cache-Tags);
		return (synth(200, "Banned"));
	}
}

sub vcl_deliver {
	# Tags are for the caches, not for the clients.
	unset resp.http.xkey;
	unset resp.http.X-Magento-Tags;
	unset resp.http.X-Cache-Tags;
	unset resp.http.Cache-Tags;
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
