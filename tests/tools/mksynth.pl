#!/usr/bin/perl
# SPDX-License-Identifier: MIT
# tests/tools/mksynth.pl: a synthetic GeoLite2-City-size .mmdb, for load times.
#
# usage: mksynth.pl [-4 NV4] [-6 NV6] [-c CITIES] [-r RECORDS] [-s SEED]
#                   [-t TYPE] OUT.mmdb
#
#   -4 NV4     IPv4 networks (default 3000000)
#   -6 NV6     IPv6 networks (default 500000)
#   -c CITIES  distinct city locations (default 50000)
#   -r RECORDS records per city, differing in postal code and accuracy
#              (default 4)
#   -s SEED    seed of the generator (default 1)
#   -t TYPE    database_type (default GeoLite2-City)
#
# The database has the GeoIP2 City layout of tests/tools/mkmmdb.pl and the
# rough shape of GeoLite2-City: ~200 real country codes on every continent,
# a Zipf-like share of networks per country, runs of networks in the same
# country, about one network in ten located only to its country, IPv4
# networks from /16 to /32 (mostly /22-/24) and IPv6 ones from /29 to /64
# (mostly /32-/48), IPv6 tree with MaxMind's IPv4 aliases.  Coordinates are
# random points inside each continent, not real places.  Networks that
# touch never carry the same record, so the writer merges none of them and
# a walk reports exactly NV4 + NV6 networks.
#
# The output depends only on the options: the generator is a seeded
# xorshift32 and the build epoch is fixed.  This is a measuring tool: no
# test runs it (3.5M networks take about a minute and ~1 GB of memory), and
# its output belongs outside the repository, e.g. /tmp/synth.mmdb.
use strict;
use warnings;

use Getopt::Std qw(getopts);
use MaxMind::DB::Writer::Tree;
use Time::HiRes qw(time);

my $prog = 'mksynth.pl';
my %opt;
getopts('4:6:c:r:s:t:', \%opt) && @ARGV == 1
    or die "usage: $prog [-4 NV4] [-6 NV6] [-c CITIES] [-r RECORDS] [-s SEED] "
    . "[-t TYPE] OUT.mmdb\n";
my $out = $ARGV[0];
my $nv4 = $opt{4} // 3_000_000;
my $nv6 = $opt{6} // 500_000;
my $ncities = $opt{c} // 50_000;
my $variants = $opt{r} // 4;
my $seed = $opt{s} // 1;
for ([ '-4', $nv4 ], [ '-6', $nv6 ], [ '-c', $ncities ], [ '-r', $variants ],
    [ '-s', $seed ]) {
	die "$prog: $_->[0] wants a number\n" unless $_->[1] =~ /\A[0-9]+\z/;
}
die "$prog: -c and -r must be at least 1\n" if $ncities < 1 || $variants < 1;

# xorshift32 (Marsaglia): the same numbers on every perl and platform,
# unlike rand().  The state must not be 0.
my $x = (($seed * 2654435761) & 0xFFFFFFFF) || 0x9E3779B9;

sub rnd {
	$x ^= ($x << 13) & 0xFFFFFFFF;
	$x ^= $x >> 17;
	$x ^= ($x << 5) & 0xFFFFFFFF;
	return $x;
}

# uniform in [0, n)
sub pick { return int(rnd() / 4294967296 * $_[0]) }

# uniform in [lo, hi)
sub uni { return $_[0] + rnd() / 4294967296 * ($_[1] - $_[0]) }

# Real ISO 3166-1 codes by continent, and a box to scatter points in.
my %continents = (
	AF => [ -34, 35, -17, 51, 'Africa', 'DZ AO BJ BW BF BI CM CV CF TD '
	    . 'KM CD CG CI DJ EG GQ ER SZ ET GA GM GH GN GW KE LS LR LY MG '
	    . 'MW ML MR MU MA MZ NA NE NG RW ST SN SC SL SO ZA SS SD TZ TG '
	    . 'TN UG ZM ZW' ],
	AN => [ -85, -65, -180, 180, 'Antarctica', 'AQ' ],
	AS => [ -10, 55, 60, 145, 'Asia', 'AF AM AZ BH BD BT BN KH CN GE '
	    . 'IN ID IR IQ IL JP JO KZ KW KG LA LB MY MV MN MM NP KP OM PK '
	    . 'PS PH QA SA SG KR LK SY TW TJ TH TL TR TM AE UZ VN YE' ],
	EU => [ 36, 70, -10, 40, 'Europe', 'AL AD AT BY BE BA BG HR CY CZ '
	    . 'DK EE FI FR DE GR HU IS IE IT XK LV LI LT LU MT MD MC ME NL '
	    . 'MK NO PL PT RO RU SM RS SK SI ES SE CH UA GB' ],
	NA => [ 8, 60, -130, -60, 'North America', 'AG BS BB BZ CA CR CU DM '
	    . 'DO SV GD GT HT HN JM MX NI PA KN LC VC TT US' ],
	OC => [ -45, 0, 110, 180, 'Oceania', 'AU FJ KI MH FM NR NZ PW PG WS '
	    . 'SB TO TV VU' ],
	SA => [ -55, 12, -80, -35, 'South America', 'AR BO BR CL CO EC GY PY '
	    . 'PE SR UY VE' ],
);

my $t0 = time;
my @countries;
# Names in GeoLite2's eight languages, as real records carry them (most
# of a real database's size is these records, not the tree).
my @langs = qw(de en es fr ja pt-BR ru zh-CN);
my $geoname_id = 1000000;

sub names {
	my ($name) = @_;
	return { map { $_ => ($_ eq 'en' ? $name : "$name ($_)") } @langs };
}

for my $cont (sort keys %continents) {
	my ($la0, $la1, $lo0, $lo1, $name, $codes) = @{ $continents{$cont} };
	my $contrec = { code => $cont, geoname_id => $geoname_id++,
	    names => names($name) };
	for my $cc (split ' ', $codes) {
		push @countries, {
			cc => $cc, cont => $cont,
			lat => uni($la0 + 3, $la1 - 3), lon => uni($lo0 + 3, $lo1 - 3),
			contrec => $contrec,
		};
	}
}
# Shuffle, then weight by rank (Zipf, s = 1): a few countries get most of
# the networks, as in the real data.
for (my $i = $#countries; $i > 0; $i--) {
	my $j = pick($i + 1);
	@countries[ $i, $j ] = @countries[ $j, $i ];
}
my (@cum, $total);
for my $i (0 .. $#countries) {
	$total += 1 / ($i + 1);
	push @cum, $total;
}

sub pick_country {
	my $r = uni(0, $total);
	my ($lo, $hi) = (0, $#cum);
	while ($lo < $hi) {
		my $mid = ($lo + $hi) >> 1;
		if ($cum[$mid] < $r) { $lo = $mid + 1 } else { $hi = $mid }
	}
	return $countries[$lo];
}

# One country-level record per country, then the cities: each a record of
# its own, spread over the countries by the same weights.
for my $c (@countries) {
	my $country = { iso_code => $c->{cc}, geoname_id => $geoname_id++,
	    names => names("Country $c->{cc}") };
	$c->{country} = $country;
	$c->{rec} = {
		continent => $c->{contrec}, country => $country,
		registered_country => $country,
		location => { latitude => $c->{lat}, longitude => $c->{lon},
		    accuracy_radius => 1000 },
	};
	$c->{cities} = [];
}
for my $i (1 .. $ncities) {
	my $c = pick_country();
	my $lat = $c->{lat} + uni(-3, 3);
	my $lon = $c->{lon} + uni(-3, 3);
	$lon += 360 if $lon < -180;
	$lon -= 360 if $lon > 180;
	my $sub = 'S' . (1 + pick(30));
	my %city = (
		continent => $c->{contrec}, country => $c->{country},
		registered_country => $c->{country},
		subdivisions => [ { iso_code => $sub, geoname_id => $geoname_id++,
		    names => names("Region $c->{cc}-$sub") } ],
		city => { geoname_id => $geoname_id++,
		    names => names("Synth $c->{cc} $i") },
	);
	# A city's networks differ in postal code and accuracy, as in the
	# real data: a few records per city.
	push @{ $c->{cities} }, map { {
		%city,
		postal => { code => sprintf('%05d', pick(100000)) },
		location => {
			latitude => sprintf('%.4f', $lat) + 0,
			longitude => sprintf('%.4f', $lon) + 0,
			accuracy_radius => (5, 10, 20, 50, 100)[ pick(5) ],
			time_zone => "Synth/$c->{cc}",
		},
	} } 1 .. $variants;
}

# Runs of networks stay in one country; 10% are located only to the
# country.  Never the record of the previous network: the writer would
# merge two touching networks with equal data.
my ($cur, $prev) = (pick_country(), 0);

sub next_record {
	$cur = pick_country() if pick(20) == 0;
	my $cities = $cur->{cities};
	my $rec;
	for (my $try = 0;; $try++) {
		$rec = (!@$cities || pick(10) == 0)
		    ? $cur->{rec} : $cities->[ pick(scalar @$cities) ];
		last if $rec != $prev;
		$cur = pick_country() if $try > 2;
	}
	$prev = $rec;
	return $rec;
}

my %type = (
	city => 'map', code => 'utf8_string', continent => 'map',
	country => 'map', iso_code => 'utf8_string',
	latitude => 'double', location => 'map', longitude => 'double',
	names => 'map', registered_country => 'map',
	subdivisions => [ 'array', 'map' ], geoname_id => 'uint32',
	accuracy_radius => 'uint16', time_zone => 'utf8_string',
	postal => 'map', map { $_ => 'utf8_string' } @langs,
);
my $tree = MaxMind::DB::Writer::Tree->new(
	ip_version               => 6,
	record_size              => 28,
	database_type            => $opt{t} // 'GeoLite2-City',
	languages                => \@langs,
	description              => { en => "mksynth.pl -4 $nv4 -6 $nv6 "
	    . "-c $ncities -s $seed" },
	map_key_type_callback    => sub { $type{ $_[0] } },
	alias_ipv6_to_ipv4       => 1,
	remove_reserved_networks => 0,
	_build_epoch             => 1735689600,
);

# IPv4: walk up from 1.0.0.0, aligning each network to its size, with
# occasional gaps, stepping over private and special ranges.
my @v4plen = (
	[ 0.005, 16, 19 ], [ 0.03, 20, 21 ], [ 0.15, 22, 23 ], [ 0.55, 24, 24 ],
	[ 0.20, 25, 28 ], [ 0.065, 29, 32 ],
);
my @v4skip = map { [ unpack('N', pack('C4', split /\./, $_->[0])), $_->[1] ] }
    ([ '10.0.0.0', 8 ], [ '100.64.0.0', 10 ], [ '127.0.0.0', 8 ],
    [ '169.254.0.0', 16 ], [ '172.16.0.0', 12 ], [ '192.168.0.0', 16 ],
    [ '198.18.0.0', 15 ]);
my $v4end = 0xE0000000;    # 224.0.0.0: multicast and above

sub draw_plen {
	my ($table) = @_;
	my $r = uni(0, 1);
	for my $row (@$table) {
		return $row->[1] + pick($row->[2] - $row->[1] + 1)
		    if ($r -= $row->[0]) < 0;
	}
	return $table->[-1][2];
}

my $v4 = 0x01000000;
for my $i (1 .. $nv4) {
	my $plen = draw_plen(\@v4plen);
	my $size = 1 << (32 - $plen);
	$v4 += 256 * pick(4) if pick(5) == 0;
	$v4 = ($v4 + $size - 1) & ~($size - 1);
	for my $s (@v4skip) {
		my ($base, $len) = @$s;
		my $ssize = 1 << (32 - $len);
		$v4 = ($base + $ssize + $size - 1) & ~($size - 1)
		    if $v4 + $size > $base && $v4 < $base + $ssize;
	}
	die "$prog: IPv4 space used up after ", $i - 1, " networks\n"
	    if $v4 + $size > $v4end;
	$tree->insert_network(join('.', unpack('C4', pack('N', $v4))) . "/$plen",
	    next_record());
	$v4 += $size;
}
my $t1 = time;

# IPv6: the same from 2400::, counting in units of /64 (the top 64 bits,
# which perl holds exactly), so 2001::/32 and 2002::/16 are never hit.
my @v6plen = (
	[ 0.03, 29, 31 ], [ 0.15, 32, 32 ], [ 0.30, 33, 47 ], [ 0.40, 48, 48 ],
	[ 0.12, 49, 64 ],
);
my $v6 = 0x2400 << 48;
for my $i (1 .. $nv6) {
	my $plen = draw_plen(\@v6plen);
	my $size = 1 << (64 - $plen);
	$v6 += (1 << 16) * pick(4) if pick(5) == 0;
	$v6 = ($v6 + $size - 1) & ~($size - 1);
	die "$prog: IPv6 space used up after ", $i - 1, " networks\n"
	    if $v6 + $size > 0x4000 << 48;
	$tree->insert_network(sprintf('%x:%x:%x:%x::/%d', ($v6 >> 48) & 0xFFFF,
	    ($v6 >> 32) & 0xFFFF, ($v6 >> 16) & 0xFFFF, $v6 & 0xFFFF, $plen),
	    next_record());
	$v6 += $size;
}
my $t2 = time;

my $tmp = "$out.tmp.$$";
open(my $fh, '>:raw', $tmp) or die "$prog: $tmp: $!\n";
$tree->write_tree($fh);
close($fh) or do { unlink $tmp; die "$prog: $tmp: $!\n" };
rename($tmp, $out) or do { unlink $tmp; die "$prog: $out: $!\n" };
my $t3 = time;
printf STDERR "%s: %d IPv4 + %d IPv6 networks, %d cities: "
    . "IPv4 %.1fs, IPv6 %.1fs, write %.1fs, total %.1fs\n",
    $prog, $nv4, $nv6, $ncities, $t1 - $t0, $t2 - $t1, $t3 - $t2, $t3 - $t0;
exit 0;
