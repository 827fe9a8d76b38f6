#!/usr/bin/perl
# SPDX-License-Identifier: MIT
# tests/bench/mkqueries.pl: the bench's query files, in dnsperf's -B format.
#
# usage: mkqueries.pl [-4 NV4] [-6 NV6] [-s SEED] MMDB OUTDIR
#
# Writes three files of wire-format queries, each prefixed by its 2-octet
# length (what `dnsperf -B` and tests/tools/qblast read):
#   static.bin  www.example.net A, EDNS (1232) without Client Subnet
#   geo.bin     cdn.example.net A, the same
#   ecs.bin     cdn.example.net A with Client Subnet, one query per subnet:
#               NV4 IPv4 /24s (default 20000) and NV6 IPv6 /56s (default
#               5000), each one that MMDB has a record for, so every query
#               is located the way a resolver's clients would be.
# Queries carry RD=0, as a resolver's queries to an authority do.  The
# subnets are drawn from a seeded xorshift32: the same files every run.
use strict;
use warnings;

use Getopt::Std qw(getopts);
use MaxMind::DB::Reader;

my $prog = 'mkqueries.pl';
my %opt;
getopts('4:6:s:', \%opt) && @ARGV == 2
    or die "usage: $prog [-4 NV4] [-6 NV6] [-s SEED] MMDB OUTDIR\n";
my ($mmdb, $outdir) = @ARGV;
my $nv4 = $opt{4} // 20000;
my $nv6 = $opt{6} // 5000;
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
# whose RDATA is `$opts` (already-encoded EDNS options).
sub query {
	my ($name, $opts) = @_;
	return pack('n6', 0, 0, 1, 0, 0, 1) . qname($name) . pack('n2', 1, 1)
	    . "\0" . pack('n2Nn', 41, 1232, 0, length $opts) . $opts;
}

# RFC 7871 §6: family, source prefix, scope 0, the prefix's octets.
sub ecs {
	my ($family, $plen, $addr) = @_;
	my $octets = substr($addr, 0, ($plen + 7) >> 3);
	return pack('n2', 8, 4 + length $octets)
	    . pack('nCC', $family, $plen, 0) . $octets;
}

sub write_file {
	my ($name, @queries) = @_;
	my $path = "$outdir/$name";
	open(my $fh, '>:raw', "$path.tmp") or die "$prog: $path: $!\n";
	print $fh pack('n', length $_), $_ for @queries;
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
		push @ecs, query('cdn.example.net', ecs($family, $plen, $packed));
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
write_file('static.bin', query('www.example.net', ''));
write_file('geo.bin', query('cdn.example.net', ''));
write_file('ecs.bin', @mixed);
printf STDERR "%s: %d IPv4 /24 and %d IPv6 /56 subnets\n", $prog, $nv4,
    $nv6;
