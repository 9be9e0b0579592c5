# Latency under load against time: a latency class's p50 and p99 per interval (left axis) and
# each bulk class's aggregate rate per interval (right axis), from the intervals.csv of the
# loaded runs (run --class --report-interval); the classes started together, so the seconds
# since the timed phase began line up.
#   gnuplot -e "lat='lat.csv'; name='lat'; nbulk=1; array bulk=['b.csv']; array titles=['bulk']; out='t.svg'" lul_time.gp
if (!exists("out")) out = "plot.svg"
if (out[strlen(out)-2:] eq "png") {
	set terminal pngcairo size 900,560 noenhanced font "Sans,10"
} else {
	set terminal svg size 900,560 fixed noenhanced font "Sans,10" background "white"
}
set output out
set datafile separator ","
set grid lc rgb "#dddddd"
set key top left box opaque
if (!exists("name")) name = "latency class"
if (!exists("bulk")) { array bulk[1]; bulk[1] = "" }
# nbulk: how many of bulk[] to plot; 0 when there are none (a gnuplot array cannot be empty,
# and gnuplot 5.4 does not parse a conditional in place of a plot's file name)
if (!exists("nbulk")) nbulk = (bulk[1] eq "" ? 0 : |bulk|)
if (!exists("titles")) { array titles[|bulk|]; do for [i=1:|bulk|] { titles[i] = bulk[i] } }
set xlabel "seconds since the classes started"
set ylabel "one-way latency per interval [us]"
set y2label "bulk class rate per interval [Gb/s]"
set logscale y
set y2range [0:*]
set y2tics
set ytics nomirror
set title sprintf("%s: latency over time, against the bulk classes' throughput", name)
plot lat using 3:12 skip 1 with linespoints lw 2 pt 7 lc rgb "#d62728" title "p99", \
     lat using 3:11 skip 1 with linespoints lw 1 pt 6 lc rgb "#ff9896" title "p50", \
     for [i=1:nbulk] bulk[i] using 3:6 skip 1 axes x1y2 with steps lw 2 lc i+2 title titles[i]
