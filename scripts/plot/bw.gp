# Bandwidth against message size, one line per run, the line rate as a reference.
#   gnuplot -e "files='a/bw.csv b/bw.csv'; titles='before after'; linerate=100; out='bw.svg'" bw.gp
# Column 4 of bw.csv is the aggregate in Gb/s (1e9 bit/s).
# terminal from the output file's extension, CSV with a header
if (!exists("out")) out = "plot.svg"
if (out[strlen(out)-2:] eq "png") {
	set terminal pngcairo size 900,560 enhanced font "Sans,10"
} else {
	set terminal svg size 900,560 dynamic enhanced font "Sans,10" background "white"
}
set output out
set datafile separator ","
set key autotitle columnhead
set grid lc rgb "#dddddd"
set key top left box opaque
if (!exists("files")) files = "bw.csv"
if (!exists("titles")) titles = files
if (!exists("linerate")) linerate = 0
set logscale x 2
set format x "%.0b%B"
set xlabel "message size [B]"
set ylabel "bandwidth [Gb/s]"
set yrange [0:*]
set title "Bandwidth against message size"
plot for [i=1:words(files)] word(files, i) using 1:4 with linespoints lw 2 pt 7 title word(titles, i), \
     (linerate > 0 ? linerate : 1/0) with lines dt 2 lc rgb "red" title sprintf("line rate %g Gb/s", linerate)
