# cmd/: the programs.  Each is one file, its main, linked with the
# archives it uses; everything else lives in the archives.
BINS += $(O)/bin/dnsd $(O)/bin/dnsdctl $(O)/bin/geoq $(O)/bin/edge-health

DNSD_LIBS := $(O)/libdnsd.a $(O)/libdaemon.a $(O)/libgeo.a $(O)/libcommon.a

# the authoritative server
$(O)/bin/dnsd: $(O)/obj/cmd/dnsd.o $(DNSD_LIBS)
# the operator's client of dnsd's control socket
$(O)/bin/dnsdctl: $(O)/obj/cmd/dnsdctl.o $(DNSD_LIBS)
# "which edges for this client?" without a running server
$(O)/bin/geoq: $(O)/obj/cmd/geoq.o $(DNSD_LIBS)
# the prober
$(O)/bin/edge-health: $(O)/obj/cmd/edge-health.o $(O)/libeh.a \
                      $(O)/libdaemon.a $(O)/libcommon.a

$(O)/bin/%:
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(PC_LIBS)
