# Bandwidth against message size, one line per run, each against the rate it can reach.
#   gnuplot -e "array files=['a/bw.csv','b/bw.csv']; array titles=['before','after']; linerate=100; out='bw.svg'" bw.gp
# files and titles are arrays, so a title or a path may hold spaces. Rates in Gb/s (1e9 bit/s).
# mode 'aggregate' (default): column 4 of bw.csv, the sum over all concurrent flows, against
#   each run's NICs x line rate (array aggrate, one per file; its label in array aggtitles)
# mode 'flow': the per-flow mean (column 7) in a band from the slowest (8) to the fastest (9)
#   flow, against one NIC's line rate (linerate)
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
if (!exists("files")) { array files = ["bw.csv"] }
if (!exists("titles")) { array titles[|files|]; do for [i=1:|files|] { titles[i] = files[i] } }
if (!exists("linerate")) linerate = 0
if (!exists("mode")) mode = "aggregate"
if (!exists("aggrate")) { array aggrate[|files|]; do for [i=1:|files|] { aggrate[i] = 0 } }
if (!exists("aggtitles")) { array aggtitles[|files|]; do for [i=1:|files|] { aggtitles[i] = "" } }
set logscale x 2
set format x "%.0b%B"
set xlabel "message size [B]"
set yrange [0:*]
set offsets 0, 0, graph 0.08, 0
if (mode eq "flow") {
	set ylabel "rate of one flow [Gb/s]: mean, band from slowest to fastest"
	set title "Per-flow bandwidth against message size"
	plot for [i=1:|files|] files[i] using 1:8:9 with filledcurves fs transparent solid 0.2 noborder lc i notitle, \
	     for [i=1:|files|] files[i] using 1:7 with linespoints lw 2 pt 7 lc i title titles[i], \
	     (linerate > 0 ? linerate : 1/0) with lines dt 2 lc rgb "red" title sprintf("one NIC: %g Gb/s", linerate)
} else {
	set ylabel "aggregate [Gb/s]: sum over all concurrent flows"
	set title "Aggregate bandwidth against message size"
	plot for [i=1:|files|] files[i] using 1:4 with linespoints lw 2 pt 7 lc i title titles[i], \
	     for [i=1:|files|] (aggrate[i] > 0 ? aggrate[i] : 1/0) with lines dt 2 lw 1.5 lc i title aggtitles[i]
}
