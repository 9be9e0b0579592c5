# The latency distribution of one size as a CDF, from lat_hist_<size>.csv.
#   gnuplot -e "file='lat_hist_64.csv'; out='cdf.svg'" cdf.gp
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
if (!exists("file")) file = "lat_hist_64.csv"
set logscale x
set xlabel "one-way latency [us]"
set ylabel "fraction of round trips"
set yrange [0:1]
set key bottom right
set title "Latency CDF"
plot file using 1:3 with steps lw 2 title "CDF"
