#!/usr/bin/perl
# SPDX-License-Identifier: MIT
# tests/tools/mkmmdb.pl: build a GeoIP2-City-shaped .mmdb from a text fixture.
#
# usage: mkmmdb.pl [-t DATABASE_TYPE] [-4] [-r RECORD_SIZE] FIXTURE OUT.mmdb
#
#   -t TYPE   metadata database_type (default GeoIP2-City)
#   -4        IPv4-only tree (ip_version 4, record size 24); IPv6 lines are
#             then errors.  Default: IPv6 tree, record size 28, with
#             MaxMind's IPv4 aliases (::ffff:0:0/96, 2001::/32, 2002::/16
#             point at ::/96), as GeoIP2/GeoLite2 ship.
#   -r SIZE   record size in bits: 24, 28 or 32
#
# Fixture: one network per line; '#' starts a comment; blank lines are
# ignored.
#
#   NETWORK LAT LON CONTINENT COUNTRY [SUBDIVISION] [CITY...]
#   81.2.69.0/24  51.5142 -0.0931  EU GB ENG London
#
# '-' marks an absent field.  LAT and LON are both '-' (no location) or
# both numbers.  COUNTRY is CC (country and registered country), or CC/RC
# to give them separately, where either side may be '-': "-/AU" is a
# network with only a registered country, like an anycast block.  CITY is
# the rest of the line (UTF-8, may contain spaces).
#
# Networks are inserted shortest prefix first, so a more specific network
# wins over one that contains it whatever the line order.  The same fixture
# always gives the same bytes: the build epoch is SOURCE_DATE_EPOCH if set,
# else a fixed date (2025-01-01).  Networks that touch and carry equal
# data come out merged, as in MaxMind's databases.  Every bad line is
# reported as "FIXTURE:LINE: why"; then the exit status is 1 and nothing
# is written.
use strict;
use warnings;
use utf8;

use Getopt::Std qw(getopts);
use Socket qw(AF_INET AF_INET6 inet_pton);
use MaxMind::DB::Writer::Tree;

my $prog = 'mkmmdb.pl';

sub fatal {
	print STDERR "$prog: @_\n";
	exit 1;
}

sub usage {
	print STDERR "usage: $prog [-t DATABASE_TYPE] [-4] [-r RECORD_SIZE] "
	    . "FIXTURE OUT.mmdb\n";
	exit 2;
}

my %opt;
getopts('t:4r:', \%opt) or usage();
usage() unless @ARGV == 2;
my ($fixture, $out) = @ARGV;
my $v4only = $opt{4} ? 1 : 0;
my $epoch = $ENV{SOURCE_DATE_EPOCH} // 1735689600;
fatal("SOURCE_DATE_EPOCH \"$epoch\" is not a number of seconds")
    unless $epoch =~ /\A[0-9]+\z/;
my $record_size = $opt{r} // ($v4only ? 24 : 28);
fatal('record size must be 24, 28 or 32')
    unless $record_size =~ /\A(?:24|28|32)\z/;

my %continent_name = (
	AF => 'Africa', AN => 'Antarctica', AS => 'Asia', EU => 'Europe',
	NA => 'North America', OC => 'Oceania', SA => 'South America',
);

# English names for the countries the fixtures use; others get their code.
my %country_name = (
	AR => 'Argentina', AU => 'Australia', BR => 'Brazil', BT => 'Bhutan',
	CA => 'Canada', CL => 'Chile', CN => 'China', DE => 'Germany',
	EG => 'Egypt', ES => 'Spain', FR => 'France', GB => 'United Kingdom',
	IE => 'Ireland', IN => 'India', IT => 'Italy', JP => 'Japan',
	KE => 'Kenya', KR => 'South Korea', MX => 'Mexico', NG => 'Nigeria',
	NL => 'Netherlands', NZ => 'New Zealand', PH => 'Philippines',
	SE => 'Sweden', SG => 'Singapore', US => 'United States',
	ZA => 'South Africa',
);

# GeoIP2 City value types, by map key (the writer asks per key name).
my %type = (
	city               => 'map',
	code               => 'utf8_string',
	continent          => 'map',
	country            => 'map',
	en                 => 'utf8_string',
	iso_code           => 'utf8_string',
	latitude           => 'double',
	location           => 'map',
	longitude          => 'double',
	names              => 'map',
	registered_country => 'map',
	subdivisions       => [ 'array', 'map' ],
);

my $errors = 0;

sub bad {
	my ($line, $msg) = @_;
	print STDERR "$prog: $fixture:$line: $msg\n";
	$errors++;
}

# Parse "addr/plen": returns (16-byte tree key, tree plen) or an error.
# IPv4 lives at ::/96 in the tree, which is how the writer stores it.
sub parse_network {
	my ($net) = @_;
	my ($addr, $plen) = $net =~ m{\A([0-9A-Fa-f:.]+)/([0-9]{1,3})\z}
	    or return (undef, undef, 'network must be ADDRESS/PREFIX');
	my ($key, $bits);
	if ($addr =~ /:/) {
		my $b = inet_pton(AF_INET6, $addr)
		    or return (undef, undef, "bad IPv6 address \"$addr\"");
		($key, $bits) = ($b, 128);
	} else {
		my $b = inet_pton(AF_INET, $addr)
		    or return (undef, undef, "bad IPv4 address \"$addr\"");
		($key, $bits) = (("\0" x 12) . $b, 32);
	}
	return (undef, undef, "prefix length $plen longer than $bits")
	    if $plen > $bits;
	my $tplen = $plen + 128 - $bits;
	my $mask = ('1' x $tplen) . ('0' x (128 - $tplen));
	return (undef, undef, "$net has host bits set")
	    if ($key & pack('B128', $mask)) ne $key;
	return ($key, $tplen, undef, $bits == 32);
}

sub coord {
	my ($s, $max) = @_;
	return undef unless $s =~ /\A[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)\z/;
	return undef if abs($s) > $max;
	return $s + 0;
}

open(my $in, '<:encoding(UTF-8)', $fixture)
    or fatal("$fixture: $!");
my (@nets, %seen);
while (my $line = <$in>) {
	my $ln = $.;
	$line =~ s/#.*//s;
	$line =~ s/\s+\z//;
	$line =~ s/\A\s+//;
	next if $line eq '';
	my ($net, $lat, $lon, $cont, $ctry, $sub, @city) = split /\s+/, $line;
	if (!defined $ctry) {
		bad($ln, 'want NETWORK LAT LON CONTINENT COUNTRY '
		    . '[SUBDIVISION] [CITY...]');
		next;
	}
	my ($key, $tplen, $err, $is4) = parse_network($net);
	if (defined $err) {
		bad($ln, $err);
		next;
	}
	if ($v4only && !$is4) {
		bad($ln, "$net: IPv6 network in an IPv4-only (-4) database");
		next;
	}
	if (exists $seen{"$key/$tplen"}) {
		bad($ln, "$net already given on line $seen{\"$key/$tplen\"}");
		next;
	}
	$seen{"$key/$tplen"} = $ln;

	my %rec;
	if ($lat ne '-' || $lon ne '-') {
		my ($la, $lo) = (coord($lat, 90), coord($lon, 180));
		if (!defined $la || !defined $lo) {
			bad($ln, "bad coordinates \"$lat $lon\" (want degrees, "
			    . 'or "- -" for none)');
			next;
		}
		$rec{location} = { latitude => $la, longitude => $lo };
	}
	if ($cont ne '-') {
		if (!exists $continent_name{$cont}) {
			bad($ln, "unknown continent code \"$cont\"");
			next;
		}
		$rec{continent} = {
			code => $cont, names => { en => $continent_name{$cont} },
		};
	}
	my ($cc, $rc) = $ctry =~ m{/} ? split(m{/}, $ctry, 2) : ($ctry, $ctry);
	my $ok = 1;
	for my $c ($cc, $rc) {
		next if $c eq '-' || $c =~ /\A[A-Z]{2}\z/;
		bad($ln, "bad country \"$ctry\" (want CC, CC/RC or -)");
		$ok = 0;
		last;
	}
	next unless $ok;
	for ([ country => $cc ], [ registered_country => $rc ]) {
		my ($k, $c) = @$_;
		next if $c eq '-';
		$rec{$k} = {
			iso_code => $c, names => { en => $country_name{$c} // $c },
		};
	}
	if (defined $sub && $sub ne '-') {
		if ($sub !~ /\A[A-Z0-9]{1,3}\z/) {
			bad($ln, "bad subdivision code \"$sub\"");
			next;
		}
		$rec{subdivisions} = [ { iso_code => $sub } ];
	}
	my $city = join(' ', @city);
	$rec{city} = { names => { en => $city } }
	    if $city ne '' && $city ne '-';

	push @nets, { net => $net, key => $key, plen => $tplen, line => $ln,
	    rec => \%rec };
}
close($in);
exit 1 if $errors;

my $tree = MaxMind::DB::Writer::Tree->new(
	ip_version               => $v4only ? 4 : 6,
	record_size              => $record_size,
	database_type            => $opt{t} // 'GeoIP2-City',
	languages                => ['en'],
	description              => { en => 'dnsd test data (mkmmdb.pl)' },
	map_key_type_callback    => sub { $type{ $_[0] } },
	alias_ipv6_to_ipv4       => $v4only ? 0 : 1,
	# The fixture is the truth: documentation and private ranges are
	# allowed, so tests can use them.
	remove_reserved_networks => 0,
	_build_epoch             => $epoch,
);

# Shortest first: with the writer's "last insert wins", this makes the most
# specific network win wherever fixture lines overlap.
for my $n (sort { $a->{plen} <=> $b->{plen} || $a->{key} cmp $b->{key} }
    @nets) {
	eval { $tree->insert_network($n->{net}, $n->{rec}); 1 } or do {
		(my $why = $@) =~ s/ at \S+ line \d+\.?\n?\z//;
		bad($n->{line}, "$n->{net}: $why");
	};
}
exit 1 if $errors;

# Write beside the target and rename, so a failed run leaves no half file.
my $tmp = "$out.tmp.$$";
open(my $fh, '>:raw', $tmp) or fatal("$tmp: $!");
$tree->write_tree($fh);
close($fh) or do { unlink $tmp; fatal("$tmp: $!") };
rename($tmp, $out) or do { unlink $tmp; fatal("$out: $!") };
exit 0;
