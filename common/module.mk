# common/: libcommon.a, what both daemons share (libc, libyaml, and
# libcrypto for the feed's HMAC).
common_SRCS += common/log.c common/xalloc.c common/errbuf.c common/ycfg.c common/path.c common/edges.c common/hmsg.c common/privdrop.c \
               common/netaddr.c common/dnsmsg.c
