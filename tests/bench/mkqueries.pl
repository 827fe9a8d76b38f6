#!/usr/bin/perl
# SPDX-License-Identifier: MIT
# tests/bench/mkqueries.pl: the bench's query files, in dnsperf's -B format.
#
# usage: mkqueries.pl [-4 NV4] [-6 NV6] [-n NNX] [-s SEED] MMDB OUTDIR
#
# Writes five files of wire-format queries, each prefixed by its 2-octet
# length (what `dnsperf -B` and tests/tools/qblast read):
#   static.bin  www.example.net A, EDNS (1232) without Client Subnet
#   geo.bin     cdn.example.net A, the same
#   ecs.bin     cdn.example.net A with Client Subnet, one query per subnet:
#               NV4 IPv4 /24s (default 20000) and NV6 IPv6 /56s (default
#               5000), each one that MMDB has a record for, so every query
#               is located the way a resolver's clients would be.
#   ecs+do.bin  the queries of ecs.bin, in the same order, with DO set (EDNS
#               flags 0x8000; the UDP size is 1232 in all of them, room
#               for the signed answer)
#   nxdomain+do.bin
#               NNX (default 1000000) distinct names that do not exist,
#               nx<8 hex digits>.example.net A with DO: each one a
#               signature to make for a server that signs online (compact
#               denial).  They all have the same length, so run.sh can
#               start a run anywhere in the file by cutting it at a
#               multiple of one query's size.
# Queries carry RD=0, as a resolver's queries to an authority do.  The
# subnets and the names are drawn from a seeded xorshift32: the same files
# every run (and no name twice: xorshift32 repeats after 2^32 - 1 draws).
use strict;
use warnings;

use Getopt::Std qw(getopts);
use MaxMind::DB::Reader;

my $prog = 'mkqueries.pl';
my %opt;
getopts('4:6:n:s:', \%opt) && @ARGV == 2
    or die "usage: $prog [-4 NV4] [-6 NV6] [-n NNX] [-s SEED] MMDB OUTDIR\n";
my ($mmdb, $outdir) = @ARGV;
my $nv4 = $opt{4} // 20000;
my $nv6 = $opt{6} // 5000;
my $nnx = $opt{n} // 1000000;
my $x = ((($opt{s} // 1) * 2654435761) & 0xFFFFFFFF) || 0x9E3779B9;

sub rnd {
	$x ^= ($x << 13) & 0xFFFFFFFF;
	$x ^= $x >> 17;
	$x ^= ($x << 5) & 0xFFFFFFFF;
	return $x;
}

sub qname {
	return join('', map { chr(length $_) . $_ } split /\./, $_[0]) . "\0";
}

# Header (ID 0, no flags, one question), the question, one OPT record
# whose RDATA is `$opts` (already-encoded EDNS options) and whose flags are
# `$flags` (0x8000: DO).
sub query {
	my ($name, $opts, $flags) = @_;
	return pack('n6', 0, 0, 1, 0, 0, 1) . qname($name) . pack('n2', 1, 1)
	    . "\0" . pack('n2Nn', 41, 1232, $flags // 0, length $opts) . $opts;
}

# RFC 7871 §6: family, source prefix, scope 0, the prefix's octets.
sub ecs {
	my ($family, $plen, $addr) = @_;
	my $octets = substr($addr, 0, ($plen + 7) >> 3);
	return pack('n2', 8, 4 + length $octets)
	    . pack('nCC', $family, $plen, 0) . $octets;
}

# write_file NAME, NEXT: the queries NEXT returns, until it returns undef.
sub write_file {
	my ($name, $next) = @_;
	my $path = "$outdir/$name";
	open(my $fh, '>:raw', "$path.tmp") or die "$prog: $path: $!\n";
	while (defined(my $q = $next->())) {
		print $fh pack('n', length $q), $q or die "$prog: $path: $!\n";
	}
	close($fh) or die "$prog: $path: $!\n";
	rename("$path.tmp", $path) or die "$prog: $path: $!\n";
}

my $reader = MaxMind::DB::Reader->new(file => $mmdb);
my (%seen, @ecs);

# Draw subnets until enough of them are in the database.  The synthetic
# database fills IPv4 upwards from 1.0.0.0 and IPv6 from 2400:: (its
# 100 k IPv6 networks stay inside 2400::/16), so the draws start there; a bound on the tries keeps a wrong database from
# looping for ever.
sub draw {
	my ($want, $family, $plen, $make) = @_;
	my $got = 0;
	for (my $try = 0; $got < $want; $try++) {
		die "$prog: $mmdb: too few located /$plen subnets "
		    . "($got of $want)\n" if $try > 200 * $want;
		my ($text, $packed) = $make->();
		next if $seen{$text}++;
		next unless defined $reader->record_for_address($text);
		push @ecs, ecs($family, $plen, $packed);
		$got++;
	}
}

draw($nv4, 1, 24, sub {
	my $a = (0x01000000 + rnd() % 0x30000000) & 0xFFFFFF00;
	my $p = pack('N', $a);
	return (join('.', unpack('C4', $p)), $p);
});
draw($nv6, 2, 56, sub {
	my $p = pack('nnnn', 0x2400, rnd() & 0xFFFF,
	    rnd() & 0xFFFF, rnd() & 0xFF00) . "\0" x 8;
	return (sprintf('%x:%x:%x:%x::', unpack('n4', $p)), $p);
});

# Interleave the families so a run's prefix is a mix, as real traffic is.
my @v4 = @ecs[ 0 .. $nv4 - 1 ];
my @v6 = @ecs[ $nv4 .. $#ecs ];
my @mixed;
while (@v4 || @v6) {
	push @mixed, shift @v4 if @v4;
	push @mixed, shift @v4 if @v4;
	push @mixed, shift @v4 if @v4;
	push @mixed, shift @v6 if @v6;
}

# queries(FLAGS, NAME, OPTIONS...): a NEXT for write_file, a query for
# each of OPTIONS (encoded EDNS options), with the EDNS flags FLAGS.
sub queries {
	my ($flags, $name, @opts) = @_;
	my $i = 0;
	return sub { $i < @opts ? query($name, $opts[$i++], $flags) : undef };
}
write_file('static.bin', queries(0, 'www.example.net', ''));
write_file('geo.bin', queries(0, 'cdn.example.net', ''));
write_file('ecs.bin', queries(0, 'cdn.example.net', @mixed));
write_file('ecs+do.bin', queries(0x8000, 'cdn.example.net', @mixed));
my $nx = 0;
write_file('nxdomain+do.bin', sub {
	return undef if $nx++ >= $nnx;
	return query(sprintf('nx%08x.example.net', rnd()), '', 0x8000);
});
printf STDERR "%s: %d IPv4 /24 and %d IPv6 /56 subnets, %d names that do "
    . "not exist\n", $prog, $nv4, $nv6, $nnx;
