# dnsd/: libdnsd.a plus dnsd/main.c.
dnsd_SRCS += dnsd/arena.c dnsd/wire.c dnsd/edns.c dnsd/zonedb.c \
             dnsd/zone_compile.c dnsd/geo_name.c dnsd/explain.c dnsd/conf.c dnsd/snapshot.c dnsd/answer.c \
             dnsd/prebuilt.c \
             dnsd/stats.c dnsd/net_bind.c dnsd/net_udp.c dnsd/net_tcp.c dnsd/worker.c \
             dnsd/health.c

BINS += $(O)/bin/dnsd
$(O)/bin/dnsd: $(O)/obj/dnsd/main.o $(O)/libdnsd.a $(O)/libdaemon.a \
               $(O)/libgeo.a $(O)/libcommon.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(PC_LIBS)

# geoq: the offline "what would dnsd answer for this client" tool.
BINS += $(O)/bin/geoq
$(O)/bin/geoq: $(O)/obj/dnsd/geoq.o $(O)/libdnsd.a $(O)/libdaemon.a \
               $(O)/libgeo.a $(O)/libcommon.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(PC_LIBS)

# The operator control socket, and dnsdctl, its client.
dnsd_SRCS += dnsd/control.c
BINS += $(O)/bin/dnsdctl
$(O)/bin/dnsdctl: $(O)/obj/dnsd/dnsdctl.o $(O)/libdnsd.a $(O)/libdaemon.a \
                  $(O)/libgeo.a $(O)/libcommon.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(PC_LIBS)

# Prometheus metrics over HTTP (the `metrics` key).
dnsd_SRCS += dnsd/metrics.c
