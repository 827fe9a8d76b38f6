# dnsd/: libdnsd.a, the server.  Its main is cmd/dnsd.c; dnsdctl and geoq
# (cmd/) link it too.
dnsd_SRCS += \
	dnsd/conf.c dnsd/snapshot.c dnsd/zone_compile.c dnsd/zonedb_build.c \
	dnsd/zone_build.c dnsd/zonedb.c dnsd/arena.c dnsd/geo_name.c \
	dnsd/cidr.c dnsd/latency_file.c \
	dnsd/prebuilt.c dnsd/zone_sign.c dnsd/zone_keys_conf.c \
	dnsd/wire.c dnsd/edns.c dnsd/cookie.c dnsd/rrl.c dnsd/query.c dnsd/zone_walk.c dnsd/chaos.c dnsd/dnssec_key.c dnsd/rrsig.c \
	dnsd/geo_answer.c dnsd/answer_sign.c dnsd/sigcache.c dnsd/answer.c dnsd/stats.c \
	dnsd/serving.c dnsd/net_bind.c dnsd/net_udp.c dnsd/net_tcp.c \
	dnsd/worker.c \
	dnsd/health.c dnsd/probers.c dnsd/share.c dnsd/health_feed.c dnsd/state_file.c dnsd/sockfile.c \
	dnsd/server.c dnsd/control.c dnsd/commands.c dnsd/explain.c \
	dnsd/control_client.c \
	dnsd/metrics.c \
	dnsd/sample.c dnsd/whatif.c
