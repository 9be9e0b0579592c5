# Latency under load: one latency class's one-way latency CDF, idle against loaded, from the
# lat_hist_<size>.csv of its idle-NAME and NAME runs (run --class).
#   gnuplot -e "idle='idle.csv'; loaded='loaded.csv'; name='lat'; out='cdf.svg'" lul_cdf.gp
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
set key bottom right box opaque
if (!exists("name")) name = "latency class"
set logscale x
set xlabel "one-way latency [us]"
set ylabel "fraction of round trips"
set yrange [0:1]
set title sprintf("%s: latency CDF, idle (alone) and loaded (with the bulk classes)", name)
plot idle using 1:3 skip 1 with steps lw 2 lc rgb "#1f77b4" title "idle", \
     loaded using 1:3 skip 1 with steps lw 2 lc rgb "#d62728" title "loaded"
