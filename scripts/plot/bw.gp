# Bandwidth against message size, one line per run, the line rate as a reference.
#   gnuplot -e "array files=['a/bw.csv','b/bw.csv']; array titles=['before','after']; linerate=100; out='bw.svg'" bw.gp
# files and titles are arrays, so a title or a path may hold spaces.
# Column 4 of bw.csv is the aggregate in Gb/s (1e9 bit/s).
# terminal from the output file's extension, CSV with a header
if (!exists("out")) out = "plot.svg"
if (out[strlen(out)-2:] eq "png") {
	set terminal pngcairo size 900,560 noenhanced font "Sans,10"
} else {
	set terminal svg size 900,560 dynamic noenhanced font "Sans,10" background "white"
}
set output out
set datafile separator ","
set key autotitle columnhead
set grid lc rgb "#dddddd"
set key top left box opaque
if (!exists("files")) { array files = ["bw.csv"] }
if (!exists("titles")) { array titles[|files|]; do for [i=1:|files|] { titles[i] = files[i] } }
if (!exists("linerate")) linerate = 0
set logscale x 2
set format x "%.0b%B"
set xlabel "message size [B]"
set ylabel "bandwidth [Gb/s]"
set yrange [0:*]
set title "Bandwidth against message size"
plot for [i=1:|files|] files[i] using 1:4 with linespoints lw 2 pt 7 title titles[i], \
     (linerate > 0 ? linerate : 1/0) with lines dt 2 lc rgb "red" title sprintf("line rate %g Gb/s", linerate)
