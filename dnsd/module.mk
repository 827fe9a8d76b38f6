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
	dnsd/sample.c dnsd/whatif.c dnsd/status.c

# The status page (dnsd/status.c) serves dnsd/status_page.html, embedded
# as a C array so that the page needs no file at run time.
$(O)/gen/status_page.c: dnsd/status_page.html
	@mkdir -p $(@D)
	perl -e 'local $$/; my $$s = <STDIN>; my @b = unpack("C*", $$s); \
	    print "#include <stddef.h>\nextern const unsigned char status_page_html[];\n"; \
	    print "extern const size_t status_page_html_len;\n"; \
	    print "const unsigned char status_page_html[] = {"; \
	    print join(",", @b), ",0};\n"; \
	    print "const size_t status_page_html_len = ", scalar(@b), ";\n";' \
	    <$< >$@
$(O)/obj/gen/status_page.o: $(O)/gen/status_page.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<
$(O)/libdnsd.a: $(O)/obj/gen/status_page.o
