# Latency percentiles against message size (one-way = RTT/2), log axes.
#   gnuplot -e "file='lat.csv'; out='lat.svg'" lat.gp
# terminal from the output file's extension, CSV with a header
if (!exists("out")) out = "plot.svg"
if (out[strlen(out)-2:] eq "png") {
	set terminal pngcairo size 900,560 noenhanced font "Sans,10"
} else {
	set terminal svg size 900,560 fixed noenhanced font "Sans,10" background "white"
}
set output out
set datafile separator ","
set key autotitle columnhead
set grid lc rgb "#dddddd"
set key top left box opaque
if (!exists("file")) file = "lat.csv"
set logscale xy
set format x "%.0b%B"
set xlabel "message size [B]"
set ylabel "one-way latency [us]"
set title "Latency percentiles"
plot file using 1:6 with linespoints lw 2 pt 7 title "p50", \
     file using 1:8 with linespoints lw 2 pt 5 title "p99", \
     file using 1:9 with linespoints lw 2 pt 9 title "p99.9"
