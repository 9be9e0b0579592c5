# Per-pair bandwidth matrix as a heatmap (row = source, column = destination, Gb/s).
# A result folder's matrix_*.csv starts with a header row of host names, which label the axes.
# `labels` (optional): an array of host names in matrix order, for a matrix without that
# header row (the report's, reordered by leaf or rail). Tic labels are formats: write a % in
# a name as %%.
#   gnuplot -e "file='matrix_bw_65536.csv'; array labels=['h0','h1','h2']; out='m.svg'" heatmap.gp
# terminal from the output file's extension, CSV with a header
if (!exists("out")) out = "plot.svg"
if (out[strlen(out)-2:] eq "png") {
	set terminal pngcairo size 900,560 noenhanced font "Sans,10"
} else {
	set terminal svg size 900,560 fixed noenhanced font "Sans,10" background "white"
}
set output out
set datafile separator ","
set grid lc rgb "#dddddd"
if (!exists("file")) file = "matrix.csv"
unset key
set datafile missing "nan"
set xlabel "destination host"
set ylabel "source host"
set cblabel "rate of the pair [Gb/s]"
set palette defined (0 "#b2182b", 0.5 "#fddbc7", 1 "#2166ac")
set yrange [] reverse
set size ratio -1
set title "Per-pair bandwidth [Gb/s], row = source host"
if (exists("labels")) {
	set xtics rotate by 90 offset 0,-1
	set xtics ()
	set ytics ()
	# an empty label (past 32 hosts only a group's first host has one) draws no tic
	do for [i=1:|labels|] {
		if (strlen(labels[i]) > 0) {
			set xtics add (labels[i] i-1)
			set ytics add (labels[i] i-1)
		}
	}
}
unset key
if (exists("labels")) {
	plot file matrix with image pixels notitle
} else {
	# the header names the columns; the rows are the same hosts in the same order
	set xtics rotate by 90 offset 0,-1
	plot file matrix columnheaders with image pixels notitle
}
