# Test VCL (e2e_query_body.vtc): publishes PURGEs with their body, and
# forwards each replay to the origin, which checks what arrived.
vcl 4.1;

import broadcast;
import std;

backend default {
	.host = "127.0.0.1";
	.port = "8080";
}

sub vcl_init {
	new hub = broadcast.hub("http://127.0.0.1:3000/.well-known/mercure",
	    jwt_key = "!ChangeThisMercureHubJWTSecretKey!");
}

sub vcl_recv {
	if (hub.is_replay()) {
		unset req.http.X-HttpBroadcast-Guard;
		return (pass);
	}
	std.cache_req_body(64KB);
	if (hub.publish()) {
		return (synth(202, hub.id()));
	}
	return (synth(503, hub.error()));
}

sub vcl_backend_fetch {
	unset bereq.http.x-varnish;
	unset bereq.http.x-vinyl;
}
