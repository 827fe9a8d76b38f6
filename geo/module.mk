# geo/: libgeo.a: client addresses, distance ranking, the merged prefix
# tree and MaxMind database reading.  Each file is listed as it lands.
geo_SRCS += geo/geo_addr.c geo/geo_dist.c geo/geo_tree.c geo/geo_mmdb.c geo/geo_map.c \
            geo/memo.c
